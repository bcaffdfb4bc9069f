# The course's two commands are `make lab` and `make test`; everything else serves them.
# Python 3.11 is the supported interpreter; override with `make PYTHON=/path/to/python3.11 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pygame's SDL wants a display it does not need for rgb_array frames
export SDL_VIDEODRIVER := dummy
# pytest's -n: two workers on a two-core laptop; nbval keeps each notebook on one worker
JOBS ?= 2

.PHONY: setup browser lab test test-unit test-notebooks test-learning notebooks exercises lock bench mutation clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; print(f"Python {v[0]}.{v[1]}") ; \
	    sys.exit(0 if v >= (3, 11) else "rlcourse needs Python 3.11 or newer: make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)
	@echo "Set-up done: $(VENV) holds the pinned stack. Check it with: $(BIN)/rlcourse doctor"

# Jupyter refuses to start as root unless told to: containers and cloud machines often run as root
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: setup
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ROOT) notebooks/00_start_here.ipynb

# The browser test (tests/test_browser*.py) drives Debian's chromium through Playwright; Playwright's
# own browser download does not work here. Installed with apt when missing (root, or sudo without a
# password); otherwise the message says what to do, and the browser tests skip (fail under CI).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then echo "Browser for the browser test: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	    SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); echo "Installing chromium for the browser test (apt-get)"; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends chromium fonts-liberation >/dev/null && echo "Installed $(CHROMIUM)"; \
	else echo "The browser test needs Chromium at $(CHROMIUM), and apt-get with root rights is not available" \
	    "to install it. On Debian/Ubuntu run: sudo apt-get install --no-install-recommends chromium" \
	    "fonts-liberation. Without it the browser tests are skipped (and fail in CI)." >&2; \
	    [ -z "$$CI" ]; fi

# the folders of notebooks nbval runs (those that exist: a fresh checkout always has notebooks/)
NOTEBOOK_DIRS := $(wildcard notebooks exercises)

test: setup browser
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests $(NOTEBOOK_DIRS) \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    --nbval-cell-timeout 600

test-unit: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests -m "not learning"

test-learning: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests -m learning

test-notebooks: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NOTEBOOK_DIRS) \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# Re-execute notebooks in place and store their outputs: make notebooks NB="notebooks/02_*.ipynb"
NB ?= notebooks/*.ipynb
notebooks: setup
	$(BIN)/python tools/execute_notebooks.py $(NB)

# Regenerate the learner versions in exercises/ from exercises/solutions/ (run and stored with outputs)
exercises: setup
	$(BIN)/rlcourse exercises build

lock:
	rm -rf /tmp/rlcourse-lock && $(PYTHON) -m venv /tmp/rlcourse-lock
	/tmp/rlcourse-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/rlcourse-lock/bin/pip freeze --exclude-editable | sed 's/+cpu$$//' > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Our DQN and DDPG beside Stable-Baselines3 with RL Zoo's tuned hyperparameters, same seeds, one run.
bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -r benchmarks/requirements.txt
	@# each script exits 1 when a target is missed; run both anyway, then report
	status=0; $(BIN)/python benchmarks/bench_dqn.py || status=1; \
	    $(BIN)/python benchmarks/bench_ddpg.py || status=1; exit $$status

# Mutation testing of the algorithm modules, each against its own tests/test_<module>.py (no learning
# tests, no notebooks), one worker; writes benchmarks/results/mutation.md. Not part of `make test`:
# it runs for hours on a 2-core laptop. One module: make mutation MODULES="dqn replay"
MODULES ?=
mutation: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[mutation]'
	$(BIN)/python tools/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts build/mutation
