# Set-up and everyday commands. Everything runs from a local virtual environment (.venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEPS := $(VENV)/.deps-installed
PACKAGE := $(VENV)/.package-installed
SEED ?= 0
SOURCES := $(shell find sbx_eaudeqn -name '*.py' -o -name '*.yml') sbx_eaudeqn_zoo_hook.py sbx_eaudeqn_zoo.pth setup.py

.PHONY: setup demo test docs clean

# Dependencies: the CPU build of PyTorch first (stable-baselines3 would otherwise pull a multi-GB
# CUDA build), then this package with every extra.
$(DEPS): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet ".[test,atari,zoo,offline,bench,minatar,docs]"
	touch $(DEPS)

# The package itself, reinstalled when a source changes (a regular install, so that the tests run
# what a user installs; pip install -e . works too and installs the RL Zoo start-up hook as well).
$(PACKAGE): $(DEPS) $(SOURCES)
	$(PIP) install --quiet --no-deps --force-reinstall .
	touch $(PACKAGE)

setup: $(PACKAGE)

# Train EauDeDQN (beta 2) and its dense parent, SBX's DQN, side by side (one process each) on Acrobot-v1
# for 50k env steps with the same settings and seed (SEED=n picks it), each evaluated greedily every 5k steps;
# print a table (return, sparsity, weights kept, exported policy size, training time) and write
# demo_output/demo.png, demo_output/summary.json and both exported policies. About 6 minutes on 2 CPU
# cores after `make setup` (6m06s measured with other jobs loading the machine, load average ~12;
# EauDeDQN takes 5 of them, the dense DQN 1). Other seeds: make demo SEED=1.
demo: $(PACKAGE)
	$(PY) -m sbx_eaudeqn.cli.demo --seed $(SEED)

# Four workers on two cores: each process compiles a quarter of the suite's networks. On two workers, a
# worker that had compiled the documentation's examples and every class's warm start then crashed
# inside XLA (segmentation faults and aborts, five full runs of six), which hung pytest-xdist.
test: $(PACKAGE)
	$(PY) -m pytest -q -p no:cacheprovider -n 4 --dist loadfile --durations=15 tests

# The documentation site (Sphinx with MyST Markdown) into docs/_build/html; any warning fails the build,
# a broken internal link included. Not nitpicky (-n): the signatures and docstrings that autodoc reads
# name SB3, SBX, numpy and standard-library types that no object inventory here resolves (intersphinx
# would need the network at build time), about ten unresolvable references per class.
docs: $(PACKAGE)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build demo_output docs/_build docs/_generated
