# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# make run is development on this machine (DEBUG defaults off everywhere else) and a
# one-person newsroom: the local account reviews its own drafts.
run: export DEBUG ?= true
run: export EDITORIAL_SINGLE_PERSON ?= true

.PHONY: run test install serve lint format bench clean prod prod-environment

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import django, celery, rest_framework"
	touch $@

# Independent checkers for the tests (axe-core, the Nu HTML validator), from npm.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility and HTML-validation tests will skip"; fi

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_tracker
	$(BIN)/python manage.py recompute_progress
	$(BIN)/python manage.py ensure_local_editor
	@echo "Serving the tracker at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The performance benchmark (README, Performance): the small and the large scale, each in a
# fresh database beside DATABASE_URL's (SQLite files when it is not PostgreSQL), every figure
# measured a few times; prints the table and writes bench/results/latest.json.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Production on this machine: migrations and static files, then the Procfile's web, worker
# and beat processes until Ctrl-C or one of them stops (then all stop). README, Deployment.
prod: export DEBUG := false
prod: export CONN_MAX_AGE ?= 60
prod: SHELL := /bin/bash
prod: prod-environment install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@export PATH="$(CURDIR)/$(BIN):$$PATH"; \
	trap 'kill -TERM $$(jobs -p) 2>/dev/null; wait; exit 143' INT TERM; \
	while IFS= read -r line; do \
		case "$${line%%:*}" in release) ;; *) eval "exec $${line#*:}" & ;; esac; \
	done < <(grep -E '^[a-z]+:' Procfile); \
	wait -n; status=$$?; kill -TERM $$(jobs -p) 2>/dev/null; wait; exit $$status

prod-environment:
	@missing=; for name in DATABASE_URL REDIS_URL SECRET_KEY ALLOWED_HOSTS; do \
		[ -n "$$(printenv $$name)" ] || missing="$$missing $$name"; done; \
	if [ -n "$$missing" ]; then \
		echo "make prod: set$$missing first (README, Deployment)." >&2; exit 2; fi

clean:
	rm -rf $(VENV) db.sqlite3 test_db.sqlite3 staticfiles .pytest_cache
