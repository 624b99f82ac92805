# Two commands work on a fresh machine with only python3: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= $(or $(JOBCOACH_CHROMIUM),/usr/bin/chromium)

.PHONY: install chromium run test notebooks briefs lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (never `playwright install`: it downloads).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The main job: the cost brief for the bundled default scenario; prints the HTML's path.
run: install
	$(BIN)/jobcoach brief scenarios/baseline.yaml

test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

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
