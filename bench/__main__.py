"""`make bench`: prints figures for the note; asserts nothing."""

from local.sandbox import in_process_aws, use_in_process_env


def main() -> None:
    from bench import imports

    imports.report()
    use_in_process_env()
    from bench import counting

    counter = counting.install()
    with in_process_aws():
        from bench import ingestion, operations, sla_cost

        operations.report(counter)
        sla_cost.report(counter)
        ingestion.report()
        from bench import pages

        pages.report(counter)
        from bench import request_form

        request_form.report(counter)


if __name__ == "__main__":
    main()
