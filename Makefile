# chsc — two commands do all the setup:
#   make demo   create .venv, install chsc, run it on sample_data/
#   make test   same setup, then the whole test suite
#   make dist   a wheel (indicator library, register kinds and report templates inside) in dist/
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test docs dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m compileall -q src  # bytecode once, even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chsc compute sample_data --period 2025

# two workers on a 2-core machine: about 9 minutes (2,851 tests: 6 min 45 s in the CI run of 8 December, 03:07 UTC; 2,847 took 6 min 28 s; 2,843 took 7 min 15 s; 2,780 took 7 min 40 s; 2,762 took 6 min 57 s;
# 7-11 min while reviews and other test runs shared the machine; README); property tests run the hypothesis
# profile HYPOTHESIS_PROFILE names (tests/conftest.py): 'ci' here, `make test HYPOTHESIS_PROFILE=thorough` for many more
HYPOTHESIS_PROFILE ?= ci
test: $(STAMP)
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(BIN)/python -m pytest -q -n auto

# docs/registers.md is generated from register_kinds/*.yaml (a test keeps them equal)
docs: $(STAMP)
	$(BIN)/python -m chsc_cli.registers.docs > docs/registers.md

# the wheel a centre's PC installs (README: 在中心的电脑上安装)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist
