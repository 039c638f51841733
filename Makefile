# Set-up and everyday commands. Everything runs from a local virtual environment (.venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: setup demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# The CPU build of PyTorch first: stable-baselines3 would otherwise pull a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[test,atari]"
	touch $(STAMP)

setup: $(STAMP)

# Train EauDeSAC on Pendulum-v1 for a few minutes, print return and discovered sparsity, save a PNG.
demo: $(STAMP)
	$(PY) -m sbx_eaudeqn.demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

clean:
	rm -rf $(VENV) demo_output
