# vaecourse: two commands.
#   make lab    install into .venv (first time only) and open the course in JupyterLab
#   make test   install into .venv (first time only) and run every test
# Also: make test-fast (ruff and the unit tests: the inner loop, a few minutes),
#       make test-lowest (the unit tests with the lowest versions pyproject allows; make test runs it too),
#       make claims PARAMETERS="SEED=1" (every notebook's claims with other parameters; LONGER=4 is the GPU's run),
#       make explore (the latent explorer as a web page, with Voila), make site (the course website),
#       make student (the student edition, student/, written from notebooks/ without the solutions),
#       make lint, make bench, make pretrained, make clean.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# The first Python >= 3.11 on the PATH (Keras 3.15 needs 3.11).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
INSTALLED := $(VENV)/.installed

.PHONY: install lab test test-fast test-lowest claims lint explore site bench pretrained student clean

install: $(INSTALLED)

# The tested versions (constraints.txt, the lock) and JupyterLab set up as on Binder (binder/configure).
# uv installs them (11 s here with its cache warm; pip took about 2 minutes) and, as pip would, compiles their
# bytecode: where PYTHONDONTWRITEBYTECODE is set (it is on the machines this project's CI runs on), nothing
# else writes it, and every kernel would compile TensorFlow's 1,800 modules again (12 CPU s per import of the
# course's libraries, 4.5 with bytecode). Reinstall whenever the dependencies change.
$(INSTALLED): pyproject.toml constraints.txt binder/configure
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is needed; install it and run make again."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt uv
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e ".[test]"
	binder/configure $(VENV)
	touch $@

# Root (containers, CI) must say so explicitly to JupyterLab.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: install
	cd notebooks && ../$(BIN)/jupyter lab $(ROOT_FLAG) 00_start_here.ipynb

# The latent explorers as a page for people: no code, no printouts (app/explorer.ipynb run by Voila).
explore: install
	cd app && ../$(BIN)/voila explorer.ipynb

# The course website from the notebooks' stored outputs, in build/site (see README, "The course site").
site: install
	$(BIN)/python -m tools.build_site

# Every tier: unit, notebook (nbval on the subset, then budgets and claims on both MNIST paths), browser, environment.
test: install lint
	$(BIN)/python -m pytest

test-fast: install lint
	$(BIN)/python -m pytest -p no:nbval -o addopts= -q -m unit

# The claims of every notebook on both MNIST paths, with parameters overridden (no budgets: LONGER=4 is slow on a CPU).
PARAMETERS ?= SEED=1
claims: install
	VAECOURSE_PARAMETERS="$(PARAMETERS)" $(BIN)/python -m pytest -p no:nbval -o addopts= -q -rfE tests/claims

# The unit tests once more, with the lowest versions pyproject's ranges allow (make test runs it too):
# the ranges must be true. tests/test_lowest_versions.py says how.
test-lowest: install
	$(BIN)/python -m pytest -p no:nbval -o addopts= -q tests/test_lowest_versions.py

lint: install
	$(BIN)/python -m ruff check vaecourse tests tools bench notebooks student app conftest.py

# Benchmarks print their figures (side by side with their baselines); they assert nothing.
bench: install
	$(BIN)/python -m bench.train_speed
	$(BIN)/python -m bench.explorer_speed

# The student edition: the lessons without the exercises' solutions (tools.notebooks refresh also writes it).
student: install
	$(BIN)/python -m tools.student

# Re-create the pretrained models shipped in vaecourse/pretrained/ (a few minutes on 2 cores).
pretrained: install
	$(BIN)/python -m vaecourse.pretrained

clean:
	rm -rf $(VENV) test-artifacts build .pytest_cache
