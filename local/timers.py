"""SLA and follow-up timers after a restart: executions in flight are not kept, the clocks (and
snoozes, due dates) on the tickets are.

Arming again starts one execution per running metric at the ticket's current `sla_version`; a
warning or breach already recorded at that version makes the state machine's condition fail, so
nothing is announced twice, and one that fell due while the runtime was down comes at once.
"""

from __future__ import annotations

import logging

log = logging.getLogger("local.timers")


def rearm_sla_timers() -> None:
    """Arm every stored ticket's running SLA metrics, snooze and due reminder (a Scan: local state
    is small)."""
    from chalicelib.desk.follow_up.rearm import rearm
    from chalicelib.desk.ticket import sla
    from chalicelib.desk.ticket.records import utcnow
    from chalicelib.models import Ticket

    tickets, now = 0, utcnow()
    for ticket in Ticket.scan():
        sla.arm(ticket, sla.state_of(ticket))
        rearm(ticket, now)
        tickets += 1
    if tickets:
        log.info("SLA timers armed again for %d stored tickets", tickets)
