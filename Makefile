# Two commands do all the set-up: `make study` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export ADEQUA_MIRROR ?= $(abspath ../shared/data)
DB ?= adequa.duckdb

.PHONY: study test bench soak install install-test pull clean

$(BIN)/adequa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

install: $(BIN)/adequa

$(VENV)/.test-installed: $(BIN)/adequa
	$(BIN)/pip install -q -c constraints.txt -e '.[test,spark]'
	touch $@

install-test: $(VENV)/.test-installed

pull: install
	$(BIN)/adequa data pull --db $(DB)

# The main job: pull the data, load the referentials, run the pipeline, write the study.
study: pull
	$(BIN)/adequa run --db $(DB) --out study

test: install-test
	$(BIN)/python -m pytest -q -x --timeout=900

bench: install-test
	$(BIN)/python -m bench

soak: install-test
	$(BIN)/python -m bench --soak

clean:
	rm -rf $(VENV) adequa.duckdb data .cache study
