"""The AWS CDK app that deploys the help desk (see docs/DEPLOY.md); `python -m infra` synthesizes it."""
