# Everything runs from a local virtual environment made from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench relay clean web browser

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The editable install maps each room under holdspace (pyproject's package-dir),
	# which setuptools always answers with an information-only notice; hide just that one.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The member page: npm ci (the pinned lockfile) and esbuild write the bundle into
# web/static/, which is committed, so `make test` itself needs no npm.
web:
	cd web && npm ci --no-audit --no-fund && node build.mjs

# The browser tests need Debian's Chromium, and node for the interop vectors.
# Installed with apt-get when missing (as root); otherwise they are skipped,
# except under CI=true, where a missing browser fails the run.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y --no-install-recommends chromium nodejs \
	    || { apt-get update && apt-get install -y --no-install-recommends chromium nodejs; } \
	    || echo "Could not install chromium and nodejs: the browser tests cannot run."; \
	  else echo "Chromium or node is missing and this is not root: browser tests will be skipped."; fi; \
	fi

demo: $(STAMP)
	$(BIN)/holdspace demo

bench: $(STAMP)
	$(BIN)/python -m bench

relay: $(STAMP)
	$(BIN)/holdspace relay

clean:
	rm -rf $(VENV) build *.egg-info
