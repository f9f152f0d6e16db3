import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.mail import quotes
from chalicelib.mail.quotes import visible_text

CASES = {
    "gmail two-line attribution": (
        "Thanks!\n\nOn Mon, Jan 8, 2024 at 10:15 AM ACME Support <\nsupport@example.com> wrote:\n\n> old",
        "Thanks!",
    ),
    "gmail one-line attribution": ("Yes.\nOn Mon, 8 Jan 2024 at 10:15, Bob <b@x.org> wrote:\n> q", "Yes."),
    "apple attribution inside quote": (
        "Friday works.\n\nSent from my iPhone\n\n> On 11 Jan 2024, at 17:00, X <x@y> wrote:\n> q",
        "Friday works.",
    ),
    "thunderbird": ("Works now.\n\nOn 11.01.24 16:00, ACME Support wrote:\n> update", "Works now."),
    "german": ("Danke!\n\nAm 14.01.2024 um 09:12 schrieb ACME <s@x.de>:\n> alt", "Danke!"),
    "french": ("Merci.\n\nLe lun. 15 janv. 2024 à 10:00, ACME <s@x.fr> a écrit :\n> vieux", "Merci."),
    "spanish": (
        "Gracias.\n\nEl lun, 15 ene 2024 a las 10:00, ACME (<s@x.es>) escribió:\n> viejo",
        "Gracias.",
    ),
    "dutch": ("Goed.\n\nOp di 16 jan. 2024 om 10:00 schreef ACME <s@x.nl>:\n> oud", "Goed."),
    "outlook original message": (
        "Still missing.\n\nBob\n\n-----Original Message-----\nFrom: ACME\nSent: Monday\nSubject: x\n\nold",
        "Still missing.\n\nBob",
    ),
    "outlook german original": ("Neu.\n-----Ursprüngliche Nachricht-----\nVon: A\nGesendet: B", "Neu."),
    "outlook underscores": (
        "Access please.\n\n________________________________\nFrom: ACME <s@x>\nSent: Tuesday\n\nold",
        "Access please.",
    ),
    "outlook from/sent block": (
        "New text\n\nFrom: ACME Support <s@x>\nSent: Tuesday, January 9, 2024 3:00 PM\nTo: A\n\nold",
        "New text",
    ),
    "bold from/sent block from html": ("Hi\n\n*From:* ACME\n*Sent:* Tuesday\n*To:* A\nold", "Hi"),
    "signature dash": ("The VPN works.\n\n-- \nHans\nIT dept", "The VPN works."),
    "signature dash without trailing space": ("Fine.\n--\nHans", "Fine."),
    "mobile signature": ("Ok.\n\nSent from my Galaxy", "Ok."),
    "outlook mobile signature": ("Ok.\n\nGet Outlook for iOS", "Ok."),
    "german mobile signature": ("Ok.\n\nVon meinem iPhone gesendet", "Ok."),
    "trailing quoted block": ("Answer.\n\n> question\n> more", "Answer."),
    "inline answers kept": ("> q1\na1\n\n> q2\na2\n\n> bye", "> q1\na1\n\n> q2\na2"),
    "only quoted falls back to everything": ("> all quoted\n> here", "> all quoted\n> here"),
    "gmail forward is the content": (
        "---------- Forwarded message ---------\nFrom: Shop <o@shop>\n\nShipped.",
        "---------- Forwarded message ---------\nFrom: Shop <o@shop>\n\nShipped.",
    ),
    "apple forward with note": ("FYI below.\n\nBegin forwarded message:\n\nFrom: L\n\nq?", "FYI below."),
    "thunderbird forward with note": (
        "See this.\n-------- Forwarded Message --------\nSubject: s",
        "See this.",
    ),
    "prose starting with On is kept": (
        "On Monday the printer broke.\nMy colleague wrote: it is the toner.\nPlease help.",
        "On Monday the printer broke.\nMy colleague wrote: it is the toner.\nPlease help.",
    ),
    "header-looking prose is kept": (
        "The import shows:\nSubject: injected?\nFrom: nowhere\nBcc: all\nWhat now?",
        "The import shows:\nSubject: injected?\nFrom: nowhere\nBcc: all\nWhat now?",
    ),
    "crlf input": ("Hi\r\n\r\nOn Mon, 8 Jan 2024, X <x@y> wrote:\r\n> q", "Hi"),
    "whitespace only": ("  \n\t ", ""),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_visible_text(text, expected):
    assert visible_text(text) == expected


@given(st.text(max_size=400))
@settings(max_examples=200)
def test_visible_text_is_never_empty_for_real_text(text):
    result = visible_text(text)
    assert result == result.strip()
    assert bool(result) == bool(text.strip())


@given(
    st.lists(
        st.sampled_from(
            [
                "> quoted",
                "new text",
                "",
                "-- ",
                "On Mon, 1 Jan 2024, A wrote:",
                "Sent from my iPhone",
                "From: a",
                "Sent: b",
                "____________________",
            ]
        ),
        max_size=12,
    )
)
@settings(max_examples=200)
def test_visible_text_is_a_prefix_of_the_input(lines):
    text = "\n".join(lines)
    result = visible_text(text)
    assert result in text


class _CountingLines(list):
    """Counts the lines read, slices included: copying the rest of the lines shows up here."""

    def __init__(self, lines):
        super().__init__(lines)
        self.read = 0

    def __getitem__(self, index):
        item = super().__getitem__(index)
        self.read += len(item) if isinstance(index, slice) else 1
        return item


def _lines_read(count: int) -> int:
    lines = _CountingLines(["new text", *(["_" * 30, ""] * count)])
    quotes._new_text(lines, len(lines))
    return lines.read


def test_underscore_rules_do_not_make_quote_stripping_quadratic():
    assert _lines_read(4_000) <= 4 * _lines_read(1_000) + 100


def test_quote_stripping_looks_for_history_only_in_the_first_max_scanned_characters(monkeypatch):
    looked_at = []
    is_history_start = quotes._is_history_start
    monkeypatch.setattr(
        quotes, "_is_history_start", lambda lines, i: looked_at.append(i) or is_history_start(lines, i)
    )
    reply = "new text\n" + "_" * 30 + "\n"
    history = "On Mon, 8 Jan 2024 at 10:15, Bob <b@x.org> wrote:\nold text"
    for size in (2 * quotes.MAX_SCANNED, 8 * quotes.MAX_SCANNED):
        looked_at.clear()
        text = reply * (size // len(reply)) + history
        assert visible_text(text) == text  # the attribution lies past what is searched
        assert len(looked_at) <= quotes.MAX_SCANNED // len(reply) * 2 + 1
    assert visible_text(reply + history) == reply.strip()
