# Decider: `make run` serves the app with demo data, `make test` runs the whole suite.
# Only Python 3.12+ and make are needed; everything else is bootstrapped into .venv.

PYTHON ?= $(shell for p in python3.13 python3.12 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run worker test lint typecheck check install migrate lock bench clean

$(STAMP): requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "Decider needs Python 3.12 or newer on PATH (python3.13, python3.12 or python3)." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "Decider is starting on http://$(HOST):$(PORT)/ (stop it with Ctrl-C)."
	@echo "Sign in as demo@decider.test with password try-decider-demo to see the demo team,"
	@echo "or start an assessment without an account from the home page."
	@echo "Assess your own answers: echo '{\"stage\":\"prototype\"}' | $(BIN)/python manage.py assess - --format text"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Renders PDF reports in the background after each save, and queues again the renders of a
# worker that died. Optional: without it, a download renders on demand.
worker: migrate
	$(BIN)/python manage.py worker

# The browser tests drive Debian's Chromium (never a downloaded browser). As root on Debian the
# package is installed when missing; elsewhere install it yourself or the browser tests skip
# (in CI, where CI=true, they fail instead).
test: install
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

check: lint typecheck test

bench: install
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/pages.py

# Regenerate the lock files after changing pyproject.toml (needs access to PyPI).
# requirements.lock: what the app needs to run (the Docker image); -dev adds the tools.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
