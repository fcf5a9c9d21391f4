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
* the solutions' verdicts, found without a word in the module: each exercise whose
  ``exercise`` cell calls ``check("NN.k", answer, ...)`` exports, after its last
  ``solution`` cell, what that check says of the solution's answer (``verdict NN.k``);
  ``tests/claims/test_solutions.py`` requires "right." on both MNIST paths.
* ``BREAK``: one break of the code the notebook teaches (a log-variance used as a
  log std, a KL term left out, ...) that some claim here must catch. ``python -m
  tools.breaks`` runs the notebook with it and reports the claims that failed;
  ``tests/test_lessons.py`` checks that it still applies to the notebook.
"""

import ast
import copy
import functools
import importlib
import re
from dataclasses import dataclass

import nbformat
import pytest

from tests import runs
from tools.student import EXERCISE_TAG, SOLUTION_TAG


def claim(cell, words):
    """Mark a test as the claim behind ``words`` of the markdown cell ``cell``."""
    return pytest.mark.claim(cell=cell, words=words)


@dataclass(frozen=True)
class Break:
    """Replace ``old`` by ``new`` in code cell ``cell``: a mistake a student could make, which a claim must catch."""

    cell: str
    old: str
    new: str
    what: str  # the mistake, in words

    def apply(self, notebook):
        """A copy of ``notebook`` with the break made; ValueError if the cell or its code is gone."""
        broken = copy.deepcopy(notebook)
        cells = [cell for cell in broken.cells if cell.cell_type == "code" and cell.get("id") == self.cell]
        if not cells:
            raise ValueError(f"the break names code cell {self.cell}, which the notebook no longer has")
        count = cells[0].source.count(self.old)
        if count != 1:
            raise ValueError(f"code cell {self.cell} holds {self.old!r} {count} times, not once")
        cells[0].source = cells[0].source.replace(self.old, self.new)
        return broken


def trained_as_on_a_cpu():
    """Whether the runs train their models as on a CPU (LONGER = 1), not longer as on a GPU (make claims with
    PARAMETERS="LONGER=4"): the claims of sentences that say "in our runs on the CPU" assert more then."""
    return int(runs.parameters().get("LONGER", 1)) == 1


def only_as_on_a_cpu(what_longer_gave):
    """Skip a claim whose sentence says "in our runs on the CPU" when the runs trained longer, as on a GPU;
    ``what_longer_gave`` records what such a run showed instead."""
    if not trained_as_on_a_cpu():
        pytest.skip(f"the sentence is about the CPU's runs ({what_longer_gave})")


def claims_in(module):
    """(test name, function, cell id, words) of each claim in a claims module."""
    for name, function in vars(module).items():
        for mark in getattr(function, "pytestmark", []):
            if mark.name == "claim":
                yield name, function, mark.kwargs["cell"], mark.kwargs["words"]


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
    exports = {cell: dict(values) for cell, values in (getattr(module, "VALUES", {}) if module else {}).items()}
    for cell, values in solution_verdicts(name).items():
        exports.setdefault(cell, {}).update(values)
    return exports


NEXT_EXERCISE = re.compile(r"^\*\*\d+\. ", re.MULTILINE)  # "**3. A mixture prior.**" starts exercise 3


@functools.cache
def solution_verdicts(name):
    """{last solution cell of an exercise: {"verdict NN.k": what the exercise's check says of the solution}}."""
    notebook = nbformat.read(runs.settings["notebooks"] / f"{name}.ipynb", as_version=4)
    checks, last_solution = {}, {}  # exercise -> the arguments its check is called with; -> its last solution cell
    exercise = None
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", []) if cell.cell_type == "code" else []
        if cell.cell_type == "markdown" and NEXT_EXERCISE.search(cell.source):
            exercise = None  # a solution after this is the next exercise's
        elif EXERCISE_TAG in tags:
            for call in ast.walk(ast.parse(cell.source)):
                if (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "check" and call.args
                        and isinstance(call.args[0], ast.Constant)):
                    exercise = call.args[0].value
                    checks[exercise] = ", ".join(ast.unparse(argument) for argument in call.args[1:])
        elif SOLUTION_TAG in tags and exercise in checks:
            last_solution[exercise] = cell.id
    return {last_solution[key]: {f"verdict {key}": f'__import__("vaecourse.exercises", fromlist=["verdict"])'
                                                   f'.verdict({key!r}, {checks[key]})'}
            for key in last_solution}


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
