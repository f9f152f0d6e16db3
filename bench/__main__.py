"""`make bench`: prints figures for the note; asserts nothing."""

import json
import os
import time

from local.sandbox import in_process_aws, use_in_process_env


def main() -> None:
    from bench import imports, sla_cost

    imports.report()
    # moto's Step Functions Wait compares the UTC timestamp with naive local time, and the SLA
    # bench's timers must wait seconds, not hours: set both before any setting is read.
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["HELPDESK_SLA_POLICIES"] = json.dumps([sla_cost.BENCH_POLICY])
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the SLA handler's INFO lines, between figures
    use_in_process_env()
    from bench import counting

    counter = counting.install()
    with in_process_aws():
        from bench import ingestion, operations

        operations.report(counter)
        from bench import ticket_events

        ticket_events.report(counter)
        sla_cost.report(counter)
        ingestion.report()
        from bench import hostile_mail

        hostile_mail.report()
        from bench import pages

        pages.report(counter)
        from bench import request_form

        request_form.report(counter)


if __name__ == "__main__":
    main()
