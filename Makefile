# The two commands: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core (each pytest-xdist worker has its own SQLite file or PostgreSQL database).
PYTEST_ARGS ?= -n auto --tracing retain-on-failure --screenshot only-on-failure --output test-artifacts/playwright
# The address partners and users reach; the demo seed registers the sandbox URLs under it.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: lock run test install install-test browser translations migrate seed lint e2e clean extract-messages cluster bench

LOCK := requirements/lock.txt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Everything installs from the hashed lock (one tested set on every machine); setup.cfg keeps the ranges.
# The project itself installs without build isolation, so its build tools come from the lock too.
$(VENV)/.installed: $(BIN)/python $(LOCK) setup.cfg pyproject.toml
	$(BIN)/pip install -q --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Refresh the lock from setup.cfg's ranges (all extras), with hashes; pip-tools lives in its own venv.
# `make lock` keeps the pins it can; `make lock UPGRADE=--upgrade` moves every package to its newest release.
lock:
	@test -x .venv-lock/bin/pip-compile || ($(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q pip-tools)
	.venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras $(UPGRADE) \
		--extra postgres,redis,production,test --no-emit-index-url --no-emit-find-links \
		-o $(LOCK) setup.cfg requirements/build.in

install: $(VENV)/.installed translations

install-test: install browser sshd

translations: $(BIN)/python
	@if ls webview/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -f -d webview/translations; fi

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o webview/translations/messages.pot .
	$(BIN)/pybabel update -i webview/translations/messages.pot -d webview/translations

# Debian's chromium where apt exists (no browser downloads here); Playwright's own browser elsewhere.
browser: $(VENV)/.installed
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium)); \
	else $(BIN)/playwright install chromium; fi

# OpenSSH's sshd for the reconciliation SFTP tests (a real server started by a fixture), where apt exists.
sshd:
	@if [ -x /usr/sbin/sshd ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		(apt-get install -y -q openssh-server >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q openssh-server)); \
	else echo "install OpenSSH's sshd (/usr/sbin/sshd) for the SFTP tests" >&2; fi

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

run: seed
	$(FLASK) serve --host $(HOST) --port $(PORT)

# The production shape on one machine (README "Operating"): CLUSTER_WEB gunicorn nodes on 127.0.0.1 from
# CLUSTER_PORT up and CLUSTER_WORKERS job workers (Procfile, run by honcho), on PostgreSQL and Redis. Migrations and
# the demo seed run first; nodes share instance/ (development secrets) and the database.
CLUSTER_WEB ?= 2
CLUSTER_WORKERS ?= 2
CLUSTER_PORT ?= 8001
CLUSTER_DATABASE_URL ?= $(or $(DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/webview_cluster)
CLUSTER_REDIS_URL ?= $(or $(RATELIMIT_STORAGE_URI),redis://127.0.0.1:6379/1)
CLUSTER_ENV = DATABASE_URL=$(CLUSTER_DATABASE_URL) RATELIMIT_STORAGE_URI=$(CLUSTER_REDIS_URL) \
	PUBLIC_BASE_URL=http://127.0.0.1:$(CLUSTER_PORT) PATH="$(abspath $(BIN)):$$PATH"

cluster: install
	@case "$(CLUSTER_DATABASE_URL)" in postgres*) ;; *) echo "make cluster runs on PostgreSQL: set DATABASE_URL" >&2; exit 2;; esac
	@case "$(CLUSTER_REDIS_URL)" in redis*) ;; *) echo "make cluster shares rate limits in Redis: set RATELIMIT_STORAGE_URI=redis://..." >&2; exit 2;; esac
	$(CLUSTER_ENV) $(FLASK) create-database
	$(CLUSTER_ENV) $(FLASK) db upgrade
	$(CLUSTER_ENV) $(FLASK) demo seed
	$(CLUSTER_ENV) $(BIN)/honcho -f Procfile start -p $(CLUSTER_PORT) -c web=$(CLUSTER_WEB),worker=$(CLUSTER_WORKERS)

# The measured speed of the screens and APIs against a bare Flask endpoint, side by side (README "Benchmark"); not
# part of `make test`. Its own PostgreSQL database (webview_bench) and loopback gunicorn servers, all stopped after.
bench: install bench/node_modules/.installed
	@command -v wrk >/dev/null 2>&1 || (apt-get install -y -q wrk >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null && apt-get install -y -q wrk))
	$(BIN)/python bench/run.py

# Lighthouse for `make bench` only (bench/package.json and its lock; Debian's chromium runs it), never for tests.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info test-artifacts
