"""`python -m infra [config.json]`: synthesize into infra/cdk.out (see docs/DEPLOY.md)."""

import sys

from infra.synth import main

sys.exit(main(sys.argv[1:]))
