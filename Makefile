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

.PHONY: lock run test install install-test browser translations migrate seed lint e2e clean extract-messages

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

install-test: install browser

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

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

run: seed
	$(FLASK) serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info test-artifacts
