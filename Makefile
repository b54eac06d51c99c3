# Everything runs from a local virtual environment made from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench relay clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/holdspace demo

bench: $(STAMP)
	$(BIN)/python -m bench

relay: $(STAMP)
	$(BIN)/holdspace relay

clean:
	rm -rf $(VENV) build *.egg-info
