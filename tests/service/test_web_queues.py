"""Queue pages through the Chalice test client: pages filled past other teams' tickets, the read cap
and its cursor, filters, search, the next-ticket key, and dates in the agent's time zone."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.desk.setup import admin as desk_admin
from chalicelib.desk.ticket import queues
from chalicelib.models import Agent, Ticket
from chalicelib.web.pages import queues as queue_pages
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("signed_in")

BILLING_AGENT = "bill.queues@example.com"
NUMBER = re.compile(r'<td class="num">(\d+)</td>')
MORE = re.compile(r'<p class="more"><a href="([^"]+)"')


@pytest.fixture
def billing_agent() -> str:
    Agent(email=BILLING_AGENT, name="Bill Queues", role="agent", teams=["Billing"]).save()
    return BILLING_AGENT


def numbers(page: str) -> list[int]:
    return [int(n) for n in NUMBER.findall(page)]


def walk(web_client, path: str, email: str) -> list[str]:
    """Every page of a view as the agent sees it, following "Next page" to the end."""
    pages, url = [], path
    while url and len(pages) < 200:
        pages.append(web_client.http.get(url, headers=cookie(email)).body.decode())
        more = MORE.search(pages[-1])
        url = path.split("?", maxsplit=1)[0] + html.unescape(more.group(1)) if more else None
    return pages


def test_an_agent_s_first_page_reaches_past_a_page_of_other_teams_tickets(
    fresh_tables, web_client, deliver, update, billing_agent
):
    crowd = [deliver(raw_mail(subject=f"Support crowd {i}")).ticket_number for i in range(30)]
    behind = deliver(raw_mail(subject="Billing, behind the crowd"), recipients=("billing@example.com",))
    update(behind.ticket_number, status="solved", tags=["crowd"])  # solved first: after the crowd
    for number in crowd:  # ...which is solved later (Solved reads newest first) and tagged with lower numbers
        update(number, status="solved", tags=["crowd"])

    for path in ("/queues/solved", "/tags/crowd"):
        listed = numbers(web_client.http.get(path, headers=cookie(billing_agent)).body.decode())
        assert listed == [behind.ticket_number], path


def test_a_page_cut_short_by_the_read_cap_offers_the_next_page_and_resumes_exactly(
    fresh_tables, web_client, deliver, update, billing_agent, monkeypatch
):
    monkeypatch.setattr(queue_pages, "PAGE_SIZE", 4)
    monkeypatch.setattr(queues, "MAX_READS_PER_PAGE", 1)
    billing = []
    for _ in range(6):  # enough for one read to hold more than a page of the agent's tickets
        billing.append(deliver(raw_mail(), recipients=("billing@example.com",)).ticket_number)
        update(billing[-1], status="solved")
    behind = deliver(raw_mail(subject="Billing, capped"), recipients=("billing@example.com",))
    update(behind.ticket_number, status="solved")
    for _ in range(5):
        update(deliver(raw_mail(subject="Support, read first")).ticket_number, status="solved")
    newest_first = [behind.ticket_number, *reversed(billing)]  # Solved lists the latest solved first

    # One read of 4 a page, newest first: 4 Support tickets; the last Support one, `behind` and two
    # more; the last four.
    pages = walk(web_client, "/queues/solved", billing_agent)
    assert [numbers(page) for page in pages] == [[], newest_first[:3], newest_first[3:]]
    assert "Nothing to show in this stretch of the queue" in pages[0] and "Nothing solved yet" not in pages[0]

    # Reads of 4, then 100, cut to pages of 4: the cursor often points inside a read. Every ticket
    # of the agent's teams comes exactly once, in the view's order.
    monkeypatch.setattr(queues, "MAX_READS_PER_PAGE", 2)
    seen = [n for page in walk(web_client, "/queues/solved", billing_agent) for n in numbers(page)]
    assert seen == newest_first


def test_queue_filters_by_priority_assignee_and_tag(fresh_tables, web_client, deliver, update):
    urgent = deliver(raw_mail(subject="Filter me: urgent")).ticket_number
    mine = deliver(raw_mail(subject="Filter me: assigned")).ticket_number
    untagged = deliver(raw_mail(subject="Filter me not")).ticket_number
    update(urgent, priority="urgent", tags=["filter-test"])
    update(mine, assignee="admin@example.com", tags=["filter-test"])

    def listed(query: str) -> list[int]:
        return numbers(web_client.http.get(f"/queues/open?{query}", headers=cookie()).body.decode())

    # `urgent` first (the earliest SLA due); `mine` and `untagged` are due the same second or not
    assert listed("")[0] == urgent and sorted(listed("")) == [urgent, mine, untagged]
    assert listed("tag=filter-test") == [urgent, mine]
    assert listed("tag=filter-test&priority=urgent") == [urgent]
    assert listed("tag=filter-test&priority=low") == []
    assert listed("tag=filter-test&assignee=admin%40example.com") == [mine]
    assert listed("tag=filter-test&assignee=none") == [urgent]
    assert listed("tag=no-such-tag") == []


def test_search_by_number_and_by_customer_address(web_client, deliver):
    first = deliver(raw_mail(sender="Searcher <searcher@customer.test>", subject="One")).ticket_number
    second = deliver(raw_mail(sender="searcher@customer.test", subject="Two")).ticket_number
    by_number = web_client.http.get(f"/search?q=%23{first}", headers=cookie())
    assert by_number.status_code == 303 and by_number.headers["Location"] == f"/tickets/{first}"
    page = web_client.http.get("/search?q=searcher%40customer.test", headers=cookie()).body.decode()
    assert set(numbers(page)) == {first, second}


def test_dates_are_shown_in_the_agent_s_time_zone(fresh_tables, web_client, deliver):
    zone = "Asia/Kolkata"  # UTC+05:30: no clock shows the same minute in UTC
    Agent(
        email="tz.agent@example.com", name="Tz Agent", role="agent", teams=["Support"], time_zone=zone
    ).save()
    number = deliver(raw_mail(subject="What time is it?")).ticket_number
    pages = [
        web_client.http.get(path, headers=cookie("tz.agent@example.com")).body.decode()
        for path in (f"/tickets/{number}", "/queues/unassigned")
    ]
    shown_per_page = [re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page) for page in pages]
    # The ticket: the mail, the acknowledgement, the first response and resolution due; the queue,
    # which holds just this ticket: its due time and when it was updated.
    assert [len(found) for found in shown_per_page] == [4, 2]
    for stamp, shown in (t for found in shown_per_page for t in found):
        moment = datetime.fromisoformat(stamp)
        assert shown == moment.astimezone(ZoneInfo(zone)).strftime("%-d %b %Y %H:%M")
        assert shown != moment.astimezone(ZoneInfo("UTC")).strftime("%-d %b %Y %H:%M")


def test_next_ticket_walks_a_team_view_and_ends_on_its_page(web_client, deliver, admin):
    desk_admin.add_team(admin, "Night Shift")
    page = web_client.http.get("/queues/open", headers=cookie()).body.decode()
    made = [deliver(raw_mail(subject=f"Night {i}")).ticket_number for i in range(2)]
    for number in made:
        form = {"csrf": csrf_of(page), "version": Ticket.get(number).version, "team": "Night Shift"}
        assert post(web_client, f"/tickets/{number}/update", form).status_code == 303
    team_page = web_client.http.get("/teams/Night%20Shift", headers=cookie())
    order = numbers(team_page.body.decode())
    assert order == made  # the same SLA targets: the one that waits longer first

    view = "?view=team%3ANight+Shift"
    step = web_client.http.get(f"/tickets/{order[0]}/next{view}", headers=cookie())
    assert step.headers["Location"] == f"/tickets/{order[1]}{view}"
    last = web_client.http.get(f"/tickets/{order[1]}/next{view}", headers=cookie())
    assert last.headers["Location"] == "/teams/Night%20Shift"
    assert web_client.http.get(last.headers["Location"], headers=cookie()).status_code == 200
