"""The report's figures from rows: percentiles, attainment and satisfaction, with missing data."""

from __future__ import annotations

from chalicelib.desk.reports import Row, figures, percentile


def row(first=None, resolution=None, sla=None, csat=None, status="open") -> Row:
    return Row("Support", status, first, resolution, sla or {}, csat)


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0


def test_no_tickets_no_figures():
    empty = figures([])
    assert (empty.created, empty.first_response_median, empty.csat_score) == (0, None, None)
    assert empty.attainment("first_response") is None


def test_figures_count_only_what_is_decided():
    rows = [
        row(
            first=10,
            resolution=100,
            sla={"first_response": True, "resolution": True},
            csat="good",
            status="solved",
        ),
        row(first=30, sla={"first_response": False}, csat="bad"),
        row(first=20, sla={"first_response": True}, csat="good", status="closed"),
        row(),  # not answered yet: counted as created, nowhere else
    ]
    result = figures(rows)
    assert (result.created, result.solved) == (4, 2)
    assert (result.first_response_median, result.first_response_p90) == (20, 30)
    assert (result.resolution_median, result.resolution_p90) == (100, 100)
    assert result.attainment("first_response") == 2 / 3
    assert result.attainment("resolution") == 1.0
    assert (result.csat_good, result.csat_bad, result.csat_score) == (2, 1, 2 / 3)
