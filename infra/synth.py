"""Build and synthesize the app in-process: the entry point of `make synth`, `cdk deploy` and tests.

cdk-nag's AwsSolutions checks run on every synthesis; an unsuppressed error is reported by
`nag_errors` (the tests and `make synth` fail on it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import App, Aspects
from cdk_nag import AwsSolutionsChecks

from infra.settings import DeploySettings, InfraConfigError, load
from infra.stack import HelpdeskStack

INFRA_DIR = Path(__file__).resolve().parent
DEFAULT_OUTDIR = INFRA_DIR / "cdk.out"
DEFAULT_CONFIG = INFRA_DIR / "helpdesk.json"


# Feature flags the app relies on (there is no cdk.json for the in-process synthesis to read them from).
CONTEXT = {
    # Grant S3 log delivery through the bucket policy, not the legacy log-delivery ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # Validate against CloudFormation rules during synthesis and fail on findings.
    "@aws-cdk/core:validateAgainstDefaultRules": True,
}


def build(settings: DeploySettings, outdir: Path = DEFAULT_OUTDIR) -> tuple[App, HelpdeskStack]:
    app = App(outdir=str(outdir), context=CONTEXT)
    stack = HelpdeskStack(app, settings, package_dir=outdir)
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stack


def nag_errors(stack: HelpdeskStack) -> list[str]:
    """Unsuppressed AwsSolutions errors and warnings, as `<path>: <finding>` lines."""
    from aws_cdk.assertions import Annotations, Match

    annotations = Annotations.from_stack(stack)
    found = [
        *annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")),
        *annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")),
    ]
    return [f"{entry.id}: {entry.entry.data}" for entry in found]


def main(argv: list[str]) -> int:
    config = Path(argv[0]) if argv else DEFAULT_CONFIG
    try:
        settings = load(config)
    except InfraConfigError as error:
        print(f"synthesis stopped: {error}", file=sys.stderr)
        return 2
    app, stack = build(settings)
    app.synth()
    problems = nag_errors(stack)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
