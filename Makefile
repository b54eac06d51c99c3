# Everything runs from a local virtual environment made from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench relay clean web system

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The editable install maps each room under holdspace (pyproject's package-dir),
	# which setuptools always answers with an information-only notice; hide just that one.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP) system web/node_modules/.package-lock.json
	$(BIN)/python -m pytest -q

# The pinned esbuild, so that a test rebuilds the member page and compares it byte
# for byte with the committed bundle (npm ci: a few seconds). Without npm, or
# offline, that one test is skipped and says why; the source-hash check still runs.
web/node_modules/.package-lock.json: web/package-lock.json
	@if command -v npm >/dev/null; then \
	  (cd web && npm ci --no-audit --no-fund --loglevel=error) \
	  || echo "npm ci failed: the byte-for-byte rebuild of the member page will be skipped."; \
	else echo "npm is missing: the byte-for-byte rebuild of the member page will be skipped."; fi

# The member page: npm ci (the pinned lockfile) and esbuild write the bundle into
# web/static/, which is committed: the page works from a checkout with no npm.
web:
	cd web && npm ci --no-audit --no-fund && node build.mjs

# Debian packages the tests run for real: Chromium and node (the member page),
# Caddy and nginx (the relay behind a proxy). Installed with apt-get when missing
# (as root); otherwise those tests are skipped, except under CI=true, where a
# missing one fails the run.
NEEDS := /usr/bin/chromium:chromium node:nodejs caddy:caddy nginx:nginx-light
system:
	@missing=""; for need in $(NEEDS); do \
	  command -v "$${need%%:*}" >/dev/null || missing="$$missing $${need#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing from Debian:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 \
	    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
	    || echo "Could not install$$missing: the tests that need them cannot run."; \
	  else echo "Missing$$missing and not root: the tests that need them will be skipped."; fi; \
	fi

demo: $(STAMP)
	$(BIN)/holdspace demo

bench: $(STAMP)
	$(BIN)/python -m bench

relay: $(STAMP)
	$(BIN)/holdspace relay

clean:
	rm -rf $(VENV) build *.egg-info
