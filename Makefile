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

# two workers on a 2-core machine: about 9 minutes (2,696 tests: 6 min 46 s in the CI run of 7 December, 21:28 UTC (2,693: 7 min 25 s and 6 min 48 s; 11 min 01 s once while two reviews and other test runs shared the machine); 2,669 took 7 min 30 s (2,668: 7 min 16 s; 2,661: 7 min 01 s), 7 min 00 s - 8 min 23 s in full runs beside running reviews; 2,575 took 6 min 15 s and 7 min 01 s; 2,543 took 4 min 46 s - 6 min 03 s; 2,519 took 7 min 04 s at
# load average ~1, 8 min 44 s - 9 min 39 s at ~2; longer while other suites run; README); property tests run the hypothesis
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
