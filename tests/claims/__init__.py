"""What the notebooks' sentences claim, as tests over the values the notebooks computed.

One module per notebook, ``test_<notebook name>.py``. It holds:

* ``VALUES``: {code cell id: {name: expression}}. Right after that cell runs, each
  expression is evaluated in the notebook's kernel and its value kept under its name
  (tools/notebooks.py: taken where it is computed, before later cells change it).
* claims: test functions marked ``@claim(cell_id, words)``, where ``cell_id`` is the
  markdown cell (nbformat id) whose sentence the test stands behind and ``words`` are
  quoted from it. ``tests/test_lessons.py`` fails when the cell is gone or the
  words are no longer in it. Each claim takes the ``values`` fixture and runs once per
  MNIST path: on the subset (the values come from nbval's own kernel) and on the
  full-size stand-in.
"""

import importlib

import pytest

from tests import runs


def claim(cell, words):
    """Mark a test as the claim behind ``words`` of the markdown cell ``cell``."""
    return pytest.mark.claim(cell=cell, words=words)


def claims_module(name):
    """The claims module of notebook ``name``, or None."""
    try:
        return importlib.import_module(f"tests.claims.test_{name}")
    except ModuleNotFoundError as error:
        if error.name != f"tests.claims.test_{name}":
            raise
        return None


def exports_of(name):
    """{code cell id: {name: expression}}: what a run of notebook ``name`` exports for its claims."""
    module = claims_module(name)
    return getattr(module, "VALUES", {}) if module else {}


class Values:
    """The values one run of a notebook exported, read by name; a value that could not be exported fails the claim."""

    def __init__(self, run):
        self.run = run
        self.mnist = run.mnist  # "subset" or "full"

    def __getitem__(self, name):
        if name in self.run.errors:
            pytest.fail(f"{self.run.name} ({self.mnist}) could not export {name!r}: {self.run.errors[name]}")
        if name not in self.run.values:
            pytest.fail(f"{name!r} is not exported by {self.run.name}: add it to VALUES in tests/claims/")
        return self.run.values[name]


def values_of(name, mnist):
    return Values(runs.run_of(name, mnist))
