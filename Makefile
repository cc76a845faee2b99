# Two commands matter: `make run` (demo store: web + worker) and `make test` (the whole suite).
# With DATABASE_URL / REDIS_URL unset, both start an embedded PostgreSQL and Redis under .data/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Type check (pyproject [tool.mypy]); settings come from config.settings_typecheck, which starts no server.
MYPY := $(VENV)/bin/mypy
WEB_PORT ?= 8000
export WEB_PORT
# pytest-xdist workers of `make test` (docs/benchmarks.md "The test suite": 3 was fastest on 2 cores); 0: serial.
TEST_WORKERS ?= 3
# Prints `export DATABASE_URL=… REDIS_URL=…`: the servers from the environment, or embedded ones it starts.
SERVICES = eval "$$($(PY) -m config.embedded)"

.PHONY: run test lint typecheck format messages clean-data bench system-packages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	@$(SERVICES) && export DEBUG=1 SITE_URL=http://127.0.0.1:$(WEB_PORT) && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py demo_banner && \
	exec $(VENV)/bin/honcho start -f Procfile

test: lint system-packages
	@$(SERVICES) && $(VENV)/bin/pytest -n $(TEST_WORKERS)

# ruff (lint + format), import-linter (the apps' layers, no cycles inside an app) and mypy: pyproject.toml.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MYPY)

# Debian's chromium and gettext, installed when missing and possible; else the command to run.
system-packages:
	@./scripts/system-packages

typecheck: $(VENV)/.installed
	$(MYPY)

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

# Re-extract translatable strings into locale/*/django.po, then compile them.
messages: $(VENV)/.installed
	@$(SERVICES) && export DEBUG=1 && \
	$(PY) manage.py makemessages -l fr -l nl -l de -l es -l pt_BR -l cs -l ja -l zh_Hant \
	  --ignore=.venv --ignore=.data --ignore=tests --no-obsolete && \
	$(PY) manage.py compilemessages --ignore=.venv

clean-data:
	-kill $$(cat .data/redis/redis.pid 2>/dev/null) 2>/dev/null
	-$(PY) -c "import pgserver, pathlib; pgserver.get_server(pathlib.Path('.data/pg'), cleanup_mode='delete')" 2>/dev/null
	rm -rf .data

# The load test (README "Benchmarks"): ~12 minutes on 2 cores; writes bench-results.md.
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk) || \
	  (echo "make bench needs wrk (Debian: apt-get install wrk)"; exit 1)
	@$(SERVICES) && SECRET_KEY=bench-runner-only-0123456789012345678901234567890123456789 \
	  $(PY) manage.py bench --out bench-results.md
