# Everything runs from a local virtual environment made from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench relay clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The editable install maps each room under holdspace (pyproject's package-dir),
	# which setuptools always answers with an information-only notice; hide just that one.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[test]'
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
