# The course's two commands are `make lab` and `make test`; everything else serves them.
# Python 3.11 is the supported interpreter; override with `make PYTHON=/path/to/python3.11 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the test targets also install the optional extra `cluster` (Ray, ~80 MB) so the Ray path of
# `rlcourse train --seeds` is tested; `make lab` does not download it
CLUSTER_STAMP := $(VENV)/.installed-cluster
# ... and the optional extra `grading` (nbgrader, ~15 MB with its database layer) for tests/test_nbgrader.py,
# with nbgrader's server and JupyterLab extensions switched off, so the lab the browser tests drive is
# the learners' lab; `make lab` does not install it
GRADING_STAMP := $(VENV)/.installed-grading
# make test's second pass runs in a second environment with the oldest versions pyproject.toml's
# ranges admit (constraints-oldest.txt, written by tools/oldest_constraints.py): the developer tools
# and torch at their pins, every other run-time dependency at its lower bound
OLDEST_VENV := .venv-oldest
OLDEST_STAMP := $(OLDEST_VENV)/.installed
# pygame's SDL wants a display it does not need for rgb_array frames
export SDL_VIDEODRIVER := dummy
# pytest's -n: two workers on a two-core laptop; nbval keeps each notebook on one worker
JOBS ?= 2

.PHONY: setup browser lab test test-unit test-notebooks test-learning notebooks exercises lock bench mutation clean

setup: $(STAMP)

# torch: the pin fixes a version, not a build. On Linux, PyPI's torch wheel is a CUDA build that
# pulls several GB of NVIDIA libraries; the course runs on the CPU, so set-up takes PyTorch's
# CPU-only wheel (about 190 MB) from PyTorch's own index. A torch wheel already on this machine
# (pip's find-links) is taken first, with no network. `make setup TORCH_INDEX=` (empty) takes
# PyPI's default build instead (CUDA on Linux, for a learner with an NVIDIA GPU). On macOS, PyPI's
# wheel is the CPU/Apple-GPU build and no other index is needed.
TORCH_INDEX ?= $(if $(filter Linux,$(shell uname -s)),https://download.pytorch.org/whl/cpu)
TORCH_PIN := $(shell grep '^torch==' constraints.txt)
# --no-compile: pip compiles each package's files one by one; COMPILE_BYTECODE below does it once,
# on every core, after the installs
PIP_INSTALL = $(1)/python -m pip install --quiet --no-compile
# $(call COMPILE_BYTECODE,BIN): the bytecode of every package of that environment (folders of tests
# left out: nothing imports them). The interpreter would compile what it imports on first use and
# keep it, unless PYTHONDONTWRITEBYTECODE is set (it is on CI machines and in many Docker images):
# then every Python process, each kernel, test worker and sweep worker, compiled torch's imports
# from source again. Measured on a 2-core AMD EPYC: `import rlcourse.dqn, torch._dynamo, gymnasium`
# took 13.4 s without bytecode and 5.0 s with it; compiling everything took 38 s, once.
# A file that does not compile under this Python (torch ships one for 3.12 only) is left as it is.
COMPILE_BYTECODE = { $(1)/python -m compileall -q -j 0 -x '[/\\]tests?[/\\]|py312_intrinsics' \
	"$$($(1)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || \
	echo "compileall: a few files have no bytecode (they do not compile under this Python); set-up goes on"; }
# $(call INSTALL_TORCH,BIN): the pinned torch into the environment whose bin/ is BIN
INSTALL_TORCH = { { $(call PIP_INSTALL,$(1)) --no-index --no-deps '$(TORCH_PIN)' 2>/dev/null && \
	    echo "$(TORCH_PIN): a wheel on this machine"; } || \
	  { echo "$(TORCH_PIN) from $(or $(TORCH_INDEX),PyPI)" && \
	    $(call PIP_INSTALL,$(1)) --no-deps $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) '$(TORCH_PIN)'; }; }

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; print(f"Python {v[0]}.{v[1]}") ; \
	    sys.exit(0 if v >= (3, 11) else "rlcourse needs Python 3.11 or newer: make PYTHON=/path/to/python3.11")'
	@start=$$(date +%s); \
	$(PYTHON) -m venv $(VENV) && $(call INSTALL_TORCH,$(BIN)) && \
	$(call PIP_INSTALL,$(BIN)) -c constraints.txt -e '.[dev]' && $(call COMPILE_BYTECODE,$(BIN)) && \
	echo $$(( $$(date +%s) - start )) > $(VENV)/.setup-seconds
	@touch $(STAMP)
	@echo "Set-up done: $(VENV) holds the pinned stack. Check it with: $(BIN)/rlcourse doctor"

$(CLUSTER_STAMP): $(STAMP)
	@start=$$(date +%s); $(call PIP_INSTALL,$(BIN)) -c constraints.txt -e '.[dev,cluster]' && \
	$(call COMPILE_BYTECODE,$(BIN)) && echo $$(( $$(date +%s) - start )) > $(VENV)/.setup-cluster-seconds
	@touch $(CLUSTER_STAMP)

$(GRADING_STAMP): $(STAMP)
	@$(call PIP_INSTALL,$(BIN)) -c constraints.txt -e '.[dev,grading]' && $(call COMPILE_BYTECODE,$(BIN)) && \
	for extension in formgrader validate_assignment assignment_list course_list; do \
	    $(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$extension \
	        >/dev/null 2>&1 || exit 1; done && \
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	@touch $(GRADING_STAMP)

$(OLDEST_STAMP): $(STAMP) constraints-oldest.txt
	@$(BIN)/python tools/oldest_constraints.py --check
	@start=$$(date +%s); rm -rf $(OLDEST_VENV) && \
	$(PYTHON) -m venv $(OLDEST_VENV) && $(call INSTALL_TORCH,$(OLDEST_VENV)/bin) && \
	$(call PIP_INSTALL,$(OLDEST_VENV)/bin) -c constraints-oldest.txt -e '.[dev]' && \
	$(call COMPILE_BYTECODE,$(OLDEST_VENV)/bin) && echo $$(( $$(date +%s) - start )) > $(VENV)/.setup-oldest-seconds
	@touch $(OLDEST_STAMP)

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

# when this make started, before the set-up: tools/run_suite.py reports what the set-up cost
MAKE_STARTED := $(shell date +%s)

# The static site of the course from the notebooks' stored outputs (site/build_site.py): build/site/html/.
# The test targets install its extra too: tests/test_site.py builds the site and opens every page.
.PHONY: site
SITE_STAMP := $(VENV)/.installed-site
$(SITE_STAMP): $(STAMP)
	@$(call PIP_INSTALL,$(BIN)) -c constraints.txt -e '.[dev,site]' && $(call COMPILE_BYTECODE,$(BIN))
	@touch $(SITE_STAMP)
site: $(SITE_STAMP)
	@$(BIN)/python site/build_site.py

# Two passes (tools/run_suite.py): everything on this CPU's kernels, then the notebooks and the
# learning tests again on generic CPU kernels, which round floats the way another CPU model does,
# in the environment of the oldest versions the package admits
test: setup $(CLUSTER_STAMP) $(GRADING_STAMP) $(SITE_STAMP) $(OLDEST_STAMP) browser
	$(BIN)/python tools/run_suite.py --jobs $(JOBS) --since $(MAKE_STARTED) \
	    --second-python $(OLDEST_VENV)/bin/python

test-unit: setup $(CLUSTER_STAMP) $(GRADING_STAMP)
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

# The Chinese edition zh-CN/, rebuilt from the English notebooks and translations/zh-CN/; first lists
# what is missing or stale (README.zh-CN.md, 维护者)
.PHONY: translations
translations: setup
	-$(BIN)/python tools/translate.py status --no-unused
	$(BIN)/python tools/translate.py build

# Regenerate the learner versions in exercises/ from exercises/solutions/ (run and stored with outputs)
exercises: setup
	$(BIN)/rlcourse exercises build

lock:
	rm -rf /tmp/rlcourse-lock && $(PYTHON) -m venv /tmp/rlcourse-lock
	$(call INSTALL_TORCH,/tmp/rlcourse-lock/bin)
	$(call PIP_INSTALL,/tmp/rlcourse-lock/bin) -e '.[dev,cluster,grading,site]'
	/tmp/rlcourse-lock/bin/pip freeze --exclude-editable | sed 's/+cpu$$//' > constraints.txt.new
	mv constraints.txt.new constraints.txt
	/tmp/rlcourse-lock/bin/python tools/oldest_constraints.py

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
	rm -rf $(VENV) $(OLDEST_VENV) .pytest_cache test-artifacts build/mutation
