"""What customers receive: the status link in every mail, the survey when solved, editable templates."""

from __future__ import annotations

import pytest

from chalicelib.desk.agent_work import replies
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.portal import links
from chalicelib.desk.setup import admin as desk_admin
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def mails_to(sent_mail, address: str) -> list:
    return [m for m in sent_mail() if address in str(m["To"])]


def test_every_customer_mail_carries_its_status_link(deliver, admin, sent_mail):
    number = deliver(raw_mail(sender="lin@customer.test", subject="Where is it")).ticket_number
    replies.reply(admin, number, "On its way.")
    acknowledgement, answer = mails_to(sent_mail, "lin@customer.test")[-2:]
    for mail in (acknowledgement, answer):
        assert links.status_url(Ticket.get(number)) in text_of(mail)
        assert links.status_url(Ticket.get(number)) in mail.get_body(("html",)).get_content()
    assert links.verify(links.status_url(Ticket.get(number)).rsplit("/", 1)[1], links.STATUS).number == number
    recorded = next(m for m in replies_of(number) if m.from_email == admin.email)
    assert recorded.visible_text == "On its way."  # the thread shows the agent's words, not the footer


def replies_of(number: int):
    from chalicelib.desk.ticket.tickets import thread

    return [m for m in thread(number) if m.kind == "reply"]


def test_the_survey_goes_with_the_solving_reply_only(deliver, admin, sent_mail):
    number = deliver(raw_mail(sender="mo@customer.test")).ticket_number
    replies.reply(admin, number, "Looking into it.")
    assert links.survey_url(Ticket.get(number), "good") not in text_of(
        mails_to(sent_mail, "mo@customer.test")[-1]
    )
    replies.reply(admin, number, "Fixed.", status="solved")
    solving = text_of(mails_to(sent_mail, "mo@customer.test")[-1])
    assert (
        links.survey_url(Ticket.get(number), "good") in solving
        and links.survey_url(Ticket.get(number), "bad") in solving
    )
    replies.reply(admin, number, "One more thing.", status="solved")  # already solved: no second survey
    assert links.survey_url(Ticket.get(number), "good") not in text_of(
        mails_to(sent_mail, "mo@customer.test")[-1]
    )


def test_solving_without_a_reply_sends_the_solved_notice_once(deliver, update, sent_mail):
    number = deliver(raw_mail(sender="ida@customer.test", subject="Printer")).ticket_number
    before = len(mails_to(sent_mail, "ida@customer.test"))
    update(number, status="solved")
    update(number, priority="high")
    notices = mails_to(sent_mail, "ida@customer.test")[before:]
    assert len(notices) == 1
    assert notices[0]["Auto-Submitted"] == "auto-generated"
    body = text_of(notices[0])
    assert (
        "as solved" in body
        and links.survey_url(Ticket.get(number), "bad") in body
        and links.status_url(Ticket.get(number)) in body
    )
    assert [m for m in replies_of(number) if m.automatic][-1].subject == notices[0]["Subject"]


def test_machines_get_no_solved_notice(deliver, update, sent_mail):
    number = deliver(raw_mail(sender="noreply@vendor.test")).ticket_number
    update(number, status="solved")
    assert mails_to(sent_mail, "noreply@vendor.test") == []
    assert Ticket.get(number).status == "solved"


def test_our_own_mailboxes_get_no_solved_notice_even_ones_an_admin_added(
    deliver, update, sent_mail, added_mailbox
):
    address = added_mailbox("notice-desk@example.com")
    number = deliver(raw_mail(sender=address)).ticket_number
    update(number, status="solved")
    assert mails_to(sent_mail, address) == []
    assert Ticket.get(number).status == "solved"


def test_admins_edit_templates_and_mails_follow(deliver, admin, sent_mail):
    desk_admin.save_template(
        admin, "acknowledgement", "Hi {{customer.first_name}}, ticket {{ticket.number}} is in."
    )
    try:
        number = deliver(raw_mail(sender="Vera Rubin <vera@customer.test>")).ticket_number
        body = text_of(mails_to(sent_mail, "vera@customer.test")[-1])
        assert body.startswith(f"Hi Vera, ticket {number} is in.")
        assert links.status_url(Ticket.get(number)) in body  # the footer is not the template's to drop
    finally:
        desk_admin.reset_template(admin, "acknowledgement")
    number = deliver(raw_mail(sender="Vera Rubin <vera@customer.test>", subject="Again")).ticket_number
    assert "Thank you for writing to us" in text_of(mails_to(sent_mail, "vera@customer.test")[-1])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("acknowledgement", "Hello {{customer.shoe_size}}", "unknown placeholder"),
        ("reply", "Kind regards", "must contain {{message.body}}"),
        ("farewell", "Bye", "no mail template"),
        ("solved", "   ", "1 to"),
    ],
)
def test_templates_are_checked_before_they_are_saved(admin, name, text, message):
    with pytest.raises(InvalidRequest, match=message):
        desk_admin.save_template(admin, name, text)
