# Two commands do all the set-up: `make study` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export ADEQUA_MIRROR ?= $(abspath ../shared/data)
DB ?= adequa.duckdb
# Extras of the full install: PDF printing (Playwright + Debian's Chromium) and the semantic
# skill ranker (torch 2.13.0 CPU, from this machine's disk). `make study EXTRAS=pdf` skips torch.
EXTRAS ?= pdf,semantic

.PHONY: study test bench soak install install-test pull clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

install: $(VENV)/.installed

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test,spark,pdf]'
	touch $@

install-test: $(VENV)/.test-installed

pull: install
	$(BIN)/adequa data pull --db $(DB)

# The main job: pull the data, load the referentials, run the pipeline, write the study.
study: pull
	$(BIN)/adequa run --db $(DB) --out study

test: install-test
	$(BIN)/python -m pytest -q --timeout=900

bench: install-test
	$(BIN)/python -m bench

soak: install-test
	$(BIN)/pip install -q -c constraints.txt -e '.[fuzz]'
	HYPOTHESIS_PROFILE=explore ADEQUA_FUZZ_EXAMPLES=$${ADEQUA_FUZZ_EXAMPLES:-3000} $(BIN)/python -m pytest -q \
		tests/test_fuzz_parsers.py tests/test_statistics_fuzz.py tests/test_text.py
	ADEQUA_ATHERIS_RUNS=$${ADEQUA_ATHERIS_RUNS:-20000} $(BIN)/python -m bench --soak

clean:
	rm -rf $(VENV) adequa.duckdb data .cache study
