# vaecourse: two commands.
#   make lab    install into .venv (first time only) and open the course in JupyterLab
#   make test   install into .venv (first time only) and run every test
# Also: make explore (the latent explorer as a Voila page), make lint, make bench, make clean.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# The first Python >= 3.11 on the PATH (Keras 3.15 needs 3.11).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
INSTALLED := $(VENV)/.installed

.PHONY: install lab test lint explore bench pretrained clean

install: $(INSTALLED)

# Reinstall whenever pyproject.toml (the pinned dependencies) changes.
$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is needed; install it and run make again."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Root (containers, CI) must say so explicitly to JupyterLab.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: install
	cd notebooks && ../$(BIN)/jupyter lab $(ROOT_FLAG) 00_start_here.ipynb

# The latent explorer as a standalone web page (no code cells shown).
explore: install
	cd notebooks && ../$(BIN)/voila 07_latent_explorer.ipynb

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/python -m ruff check vaecourse tests notebooks conftest.py $(wildcard bench)

# Benchmarks print their figures (side by side with their baselines); they assert nothing.
bench: install
	$(BIN)/python bench/train_speed.py
	$(BIN)/python bench/explorer_speed.py

# Re-create the pretrained models shipped in vaecourse/pretrained/ (a few minutes on 2 cores).
PRETRAIN := $(BIN)/python -m vaecourse.training
pretrained: install
	$(PRETRAIN) vae --latent-dim 2 --epochs 100 --source subset --seed 0 --export vaecourse/pretrained/vae2d.keras
	$(PRETRAIN) cvae --latent-dim 2 --epochs 100 --source subset --seed 0 --export vaecourse/pretrained/cvae2d.keras
	$(PRETRAIN) ae --latent-dim 2 --epochs 100 --source subset --seed 0 --export vaecourse/pretrained/ae2d.keras

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
