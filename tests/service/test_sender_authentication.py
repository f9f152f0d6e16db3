"""Who may join a ticket, bring people into it and get automatic mail, by what SES proved about the
sender (DMARC, DKIM of the From's domain): the `deliver` fixture's verdicts become the receipt
verdicts and SES's Authentication-Results header, as local/ses_event.py builds them."""

from __future__ import annotations

import pytest

from chalicelib.desk.agent_work import replies
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Ticket
from chalicelib.web.serialize import message_json
from tests.mailbuilder import AUTHENTICATED, raw_mail
from tests.service.agent_http import cookie


def _notes(number: int) -> list[str]:
    return [m.body_text for m in thread(number) if m.kind == "note" and m.automatic]


def _customer_messages(number: int):
    return [m for m in thread(number) if m.kind == "customer"]


def _recipients(mail) -> set[str]:
    return {a.addr_spec for header in ("To", "Cc") for a in (mail[header].addresses if mail[header] else ())}


def test_spoofed_from_with_ticket_number_cannot_add_a_participant(deliver, update, admin, sent_mail):
    """The attack of the issue: From the victim, `Re: [#N]`, Cc eve, no DMARC (GRAY)."""
    number = deliver(raw_mail(sender="vic@customer.test"), verdicts=AUTHENTICATED).ticket_number
    update(number, status="solved")
    before = len(sent_mail())
    spoofed = deliver(
        raw_mail(sender="vic@customer.test", subject=f"Re: Order [#{number}]", cc="eve@attacker.test")
    )
    assert spoofed.outcome == "created" and spoofed.ticket_number != number
    ticket = Ticket.get(number)
    assert (ticket.status, ticket.participants) == ("solved", None)  # not reopened, nobody added
    parked = Ticket.get(spoofed.ticket_number)
    assert parked.participants is None  # eve is only on the message's Cc
    assert _customer_messages(parked.number)[0].cc == ["eve@attacker.test"]
    assert all("eve@attacker.test" not in _recipients(m) for m in sent_mail()[before:])
    replies.reply(admin, number, "Here is your status link.")
    assert _recipients(sent_mail()[-1]) == {"vic@customer.test"}


def test_a_thread_reply_from_an_unverified_stranger_joins_adds_nobody_and_is_flagged(
    deliver, sent_mail, web_client, signed_in
):
    first = deliver(raw_mail(sender="lou@customer.test"), verdicts=AUTHENTICATED)
    ack_id = sent_mail()[-1]["Message-ID"]
    stranger = deliver(
        raw_mail(sender="mal@elsewhere.test", cc="eve@elsewhere.test, lou@customer.test", in_reply_to=ack_id)
    )
    assert (stranger.outcome, stranger.ticket_number) == ("appended", first.ticket_number)
    assert Ticket.get(first.ticket_number).participants is None
    first_mail, answer = _customer_messages(first.ticket_number)
    assert (first_mail.unverified_sender, answer.unverified_sender) == (None, True)
    assert message_json(answer)["unverified_sender"] is True
    assert message_json(first_mail)["unverified_sender"] is False
    [note] = _notes(first.ticket_number)
    assert 'not added to the ticket: "eve@elsewhere.test"' in note
    page = web_client.http.get(f"/tickets/{first.ticket_number}", headers=cookie()).body.decode()
    assert page.count("Sender not verified") == 1


def test_the_requester_s_unverified_thread_reply_joins_but_copies_nobody_in(deliver, sent_mail):
    first = deliver(raw_mail(sender="kai@customer.test"), verdicts=AUTHENTICATED)
    ack_id = sent_mail()[-1]["Message-ID"]
    answer = deliver(raw_mail(sender="kai@customer.test", cc="eve@attacker.test", in_reply_to=ack_id))
    assert (answer.outcome, answer.ticket_number) == ("appended", first.ticket_number)
    assert Ticket.get(first.ticket_number).participants is None
    verified = deliver(
        raw_mail(sender="kai@customer.test", cc="ivy@customer.test", in_reply_to=ack_id),
        verdicts=AUTHENTICATED,
    )
    assert verified.ticket_number == first.ticket_number
    assert Ticket.get(first.ticket_number).participants == {"ivy@customer.test"}


def test_dkim_of_the_from_domain_is_enough_without_dmarc(deliver):
    number = deliver(raw_mail(sender="ola@customer.test"), verdicts=AUTHENTICATED).ticket_number
    signed = raw_mail(sender="ola@customer.test", subject=f"Re: [#{number}]", cc="pia@customer.test")
    result = deliver(signed, verdicts={"dkim": "PASS"})  # SES's header: dkim=pass header.i=@customer.test
    assert (result.outcome, result.ticket_number) == ("appended", number)
    assert Ticket.get(number).participants == {"pia@customer.test"}


def test_a_forged_authentication_results_header_in_the_mail_does_not_count(deliver):
    number = deliver(raw_mail(sender="ron@customer.test"), verdicts=AUTHENTICATED).ticket_number
    forged = raw_mail(
        sender="ron@customer.test",
        subject=f"Re: [#{number}]",
        cc="eve@attacker.test",
        headers={
            # The forger signs with their own domain, so SES's DKIM verdict is PASS ...
            "X-Local-Verdicts": "dkim=pass header.i=@attacker.test",
            # ... and adds a header that says the From's domain signed and passed DMARC.
            "Authentication-Results": (
                "amazonses.com; dkim=pass header.i=@customer.test; dmarc=pass header.from=customer.test"
            ),
        },
    )
    result = deliver(forged)
    assert result.outcome == "created" and result.ticket_number != number
    assert Ticket.get(number).participants is None


@pytest.mark.parametrize("verdicts", [{"dkim": "PASS"}, {"spf": "PASS", "dkim": "PASS", "dmarc": "GRAY"}])
def test_our_own_domain_is_not_trusted_without_dmarc_pass(deliver, sent_mail, verdicts):
    first = deliver(raw_mail(sender="uma@customer.test"), verdicts=AUTHENTICATED)
    ack_id = sent_mail()[-1]["Message-ID"]
    colleague = raw_mail(sender="boss@example.com", cc="eve@attacker.test", in_reply_to=ack_id)
    assert deliver(colleague, verdicts=verdicts).ticket_number == first.ticket_number
    assert Ticket.get(first.ticket_number).participants is None
    real = raw_mail(sender="boss@example.com", cc="ben@partner.test", in_reply_to=ack_id)
    deliver(real, verdicts=AUTHENTICATED)
    assert Ticket.get(first.ticket_number).participants == {"boss@example.com", "ben@partner.test"}


def test_acknowledgement_is_not_a_relay_to_cc_addresses(deliver, sent_mail):
    cc = ", ".join(f"target{n}@victims.test" for n in range(20))
    for verdicts in ({}, AUTHENTICATED):
        before = len(sent_mail())
        result = deliver(raw_mail(sender=f"throwaway{len(verdicts)}@spam.test", cc=cc), verdicts=verdicts)
        assert result.acknowledged
        [ack] = sent_mail()[before:]
        assert _recipients(ack) == {f"throwaway{len(verdicts)}@spam.test"}
        [message] = _customer_messages(result.ticket_number)
        assert len(message.cc) == 20  # the mail's Cc is kept as it came
    participants = Ticket.get(result.ticket_number).participants
    assert len(participants) == 20  # an authenticated sender's copies take part (replies copy them)


def test_unauthenticated_cc_addresses_on_a_new_ticket_are_not_mailed_participants(deliver, admin, sent_mail):
    result = deliver(raw_mail(sender="new@customer.test", cc="Eve <eve@attacker.test>"))
    assert Ticket.get(result.ticket_number).participants is None
    [note] = _notes(result.ticket_number)
    assert "could not be verified" in note and '"eve@attacker.test"' in note
    replies.reply(admin, result.ticket_number, "Answer")
    assert _recipients(sent_mail()[-1]) == {"new@customer.test"}


def test_plus_tags_do_not_bypass_the_acknowledgement_limit(deliver):
    results = [deliver(raw_mail(sender=f"Vic+{n}@Tagged.test")) for n in range(5)]
    assert [r.acknowledged for r in results] == [True, True, True, False, False]
    assert "already got 3 auto-replies this hour" in results[3].note
