# Two entry points: `make run` (app on the demo data) and `make test` (the whole suite).
# Both set everything up first, on a fresh Debian machine as root or on a developer's machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
AXE    := node_modules/axe-core/axe.min.js

.PHONY: run test lint setup setup-test browser postgres proxy bench clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
setup-test: $(VENV)/.dev browser postgres proxy $(AXE)

# Debian's Chromium: kaleido draws the exported images with it, Playwright drives it in the browser tests (neither
# downloads a browser). DejaVu fonts: the PDF meeting pack embeds them.
browser:
	@{ command -v chromium && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf; } >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

# axe-core from npm (package.json, no lock file: the version is pinned there): the accessibility tests inject it into
# every page. Debian's Node.js and npm when the machine has none.
$(AXE): package.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	npm install --silent --no-audit --no-fund
	@touch $@

# Debian's PostgreSQL server binaries: the tests of the shared store start their own server with them (initdb, pg_ctl
# as the postgres user, on 127.0.0.1 and a free port); no cluster of the machine is used.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

# Debian's HAProxy: the test of several app processes behind a reverse proxy runs the README's configuration with it.
proxy:
	@command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }

run: setup browser
	$(BIN)/python -m cmq serve --demo --port $(PORT)

# the linter first (ruff.toml), then the whole suite
test: setup-test lint
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff check .

# the benchmark (docs/benchmarks.md): national size, with the browser figures
bench: setup-test
	$(BIN)/python -m cmq bench --browser

clean:
	rm -rf $(VENV) data/store test-output .pytest_cache node_modules
