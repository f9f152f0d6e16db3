# Two commands matter: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test chromium lint bench clean synth deploy rotate-key

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice packages the functions with pip and supports pip < 26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m local

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (Playwright's own download needs the network at run time).
chromium:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Infrastructure (docs/DEPLOY.md): CONFIG is the deployment's settings file.
CONFIG ?= infra/helpdesk.json

synth: $(STAMP)
	rm -rf infra/cdk.out
	$(BIN)/python -m infra $(CONFIG)

# Deploys the assembly `synth` wrote; needs AWS credentials, Node.js and a bootstrapped account.
# The signing key's SSM parameter is made before (CloudFormation cannot make a SecureString) and
# the counters-table copy an older release kept is deleted after (infra/signing_key.py).
deploy: synth
	$(BIN)/python -m infra.signing_key ensure $(CONFIG)
	npx --yes aws-cdk@2 deploy --app infra/cdk.out --require-approval broadening
	$(BIN)/python -m infra.signing_key forget-table-key $(CONFIG)

# A new signing key; links signed with the one before keep working until the next rotation.
rotate-key: $(STAMP)
	$(BIN)/python -m infra.signing_key rotate $(CONFIG)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache .hypothesis
