# Two commands matter: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-clocks chromium lint bench clean synth deploy rotate-key

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
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-clocks

# The tests of code that reads "now" (SLA, reports, digest, housekeeping), once per instant with the
# test process's clock there (`pytest --clock`, tests/conftest.py): a weekday afternoon inside
# business hours, a Saturday, the 2026 DST changes in Europe/Berlin and America/New_York (a few
# seconds before each, so the run crosses it), and the last tenth of a second of a year.
CLOCKS := 2026-12-08T13:58:34.567Z 2026-12-12T15:42:07.250Z \
	2026-03-29T00:59:55Z 2026-10-25T00:59:55Z 2026-03-08T06:59:55Z 2026-11-01T05:59:55Z \
	2026-12-31T23:59:59.9Z
# Service tests first: the clock starts at the instant with the first test (tests/conftest.py).
CLOCK_TESTS := tests/service/test_sla.py tests/service/test_reports.py tests/service/test_housekeeping.py \
	tests/unit/test_sla_calendar.py tests/unit/test_sla_clock.py tests/unit/test_sla_policy.py \
	tests/unit/test_sla_timer.py tests/unit/test_report_figures.py tests/unit/test_local_schedules.py

test-clocks: $(STAMP)
	@for instant in $(CLOCKS); do \
		echo "clock $$instant"; \
		$(BIN)/python -m pytest -p no:cacheprovider --clock=$$instant $(CLOCK_TESTS) || exit 1; \
	done

# The browser tests drive Debian's Chromium (Playwright's own download needs the network at run time).
chromium:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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
	rm -rf $(VENV) .local .pytest_cache .ruff_cache .mypy_cache .hypothesis
