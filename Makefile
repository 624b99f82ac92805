# Two commands work on a fresh machine with only python3: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= $(or $(JOBCOACH_CHROMIUM),/usr/bin/chromium)

.PHONY: install chromium run check test lab notebook notebooks briefs lint bench clean

# pytest-xdist workers: one per core for make check (JOBS=0 runs in this process); make test
# takes one more than the cores (TEST_JOBS), since its notebook and browser tests spend much
# of their time waiting on kernels, servers and Chromium (2 cores: 837 s on 2 workers, 664 s
# on 3). A notebook's cells stay together on one worker (tests/conftest.py), and the ten
# slowest tests close every run.
JOBS ?= auto
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PYTEST := $(BIN)/python -m pytest --durations=10 --durations-min=0
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg
# the wall time of a whole target, ruff included, as its last line
TIMED = start=$$(date +%s); trap 'echo "make $@: $$(( $$(date +%s) - start )) s wall"' EXIT;

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests and `brief --pdf` (never `playwright install`:
# it downloads), and poppler's pdftotext, with which the tests read the PDF.
chromium:
	@{ test -x $(CHROMIUM) && command -v pdftotext >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null; }

# The main job: the cost brief for the bundled default scenario; prints the HTML's path.
run: install
	$(BIN)/jobcoach brief scenarios/baseline.yaml

# The quick tier, for every small change: ruff and every unit, rule, differential and
# property test; no notebook, no kernel, no browser (target: 3 minutes on 2 cores).
check: install
	@$(TIMED) set -e; \
	$(BIN)/ruff check .; \
	$(BIN)/ruff format --check .; \
	JOBCOACH_QUICK=1 $(PYTEST) -n $(JOBS) tests -m "not notebook and not browser"

# Everything: ruff, every test, nbval of the committed notebooks, the browser tests
# (target: 12 minutes on 2 cores).
test: install chromium
	@$(TIMED) set -e; \
	$(BIN)/ruff check .; \
	$(BIN)/ruff format --check .; \
	$(PYTEST) -n $(TEST_JOBS) tests notebooks $(NBVAL) -m "not lab"

# Opt-in: the JupyterLab test (the explorer notebook opened and run in JupyterLab, in
# Chromium); flaky on a loaded 2-core machine, so alone and outside make test.
lab: install chromium
	$(BIN)/python -m pytest -p no:xdist tests -m lab

# One notebook re-executed by nbval against its stored outputs: make notebook NB=06_sensitivity
notebook: install
	@test -n "$(NB)" || { echo "make notebook NB=NAME (a notebook in notebooks/)"; exit 2; }
	$(BIN)/python -m pytest -p no:xdist notebooks/$(notdir $(basename $(NB))).ipynb $(NBVAL)

# Re-execute the notebooks on their default scenario and store the outputs (commit them).
notebooks: install
	$(BIN)/jobcoach notebooks

briefs: install
	$(BIN)/jobcoach brief --all

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) reports test-artifacts .pytest_cache .hypothesis .ruff_cache
