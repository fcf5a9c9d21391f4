"""The notebooks' runs of one test session: each notebook runs at most once per MNIST path.

The subset's run is nbval's own: conftest.py exports the claims' values from
nbval's kernel and records the run here. Any run not made yet (the full-size
path, or the subset when nbval is off) is made on first use, in a fresh kernel.
A full-size run made here leaves its executed notebook in test-artifacts/measured/,
as ``tools.notebooks measure --full`` does. With ``--reuse-runs`` the runs recorded
last in test-artifacts/runs/ are read instead (``tools.notebooks refresh`` checks
its claims that way). With
``VAECOURSE_PARAMETERS`` set (e.g. ``"SEED=1 LONGER=4"``, see ``make claims``),
every run overrides those assignments of the notebook's parameters cell.
"""

import functools
import os
import statistics

import nbformat

from tools import budget
from tools.notebooks import MEASURED, NOTEBOOKS, course_notebooks, execute, load_run, sets

_runs = {}  # (notebook name, "subset" or "full") -> Run
settings = {"reuse": False, "notebooks": NOTEBOOKS}


@functools.cache
def parameters():
    """The parameters every run overrides: VAECOURSE_PARAMETERS as {name: value}; each set by some notebook."""
    pairs = os.environ.get("VAECOURSE_PARAMETERS", "").split()
    wanted = dict(pair.split("=", 1) for pair in pairs)
    notebooks = [nbformat.read(path, as_version=4) for path in course_notebooks(settings["notebooks"])]
    unknown = [name for name in wanted if not any(sets(notebook, name) for notebook in notebooks)]
    if unknown:
        raise ValueError(f"VAECOURSE_PARAMETERS: no notebook's parameters cell sets {', '.join(unknown)}")
    return wanted


def record(run):
    _runs[run.name, run.mnist] = run


def recorded():
    return dict(_runs)


def run_of(name, mnist):
    """The run of notebook ``name`` on ``mnist`` ("subset" or "full"), made if needed."""
    from tests.claims import exports_of

    if (name, mnist) not in _runs:
        run = load_run(mnist, name) if settings["reuse"] else None
        if run is None:
            run = execute(settings["notebooks"] / f"{name}.ipynb", mnist, exports=exports_of(name),
                          parameters=parameters())
            if mnist == "full" and not parameters():  # as measure --full leaves it: for figures --full and readers
                MEASURED.mkdir(parents=True, exist_ok=True)
                nbformat.write(run.notebook, MEASURED / f"{name}.ipynb")
        record(run)
    return _runs[name, mnist]


_rounds = []  # the calibration's rounds timed in this session, in CPU seconds


def calibration(*, again=False):
    """The calibration workload's CPU seconds: the median of its rounds timed in this session (tools/budget.py).

    Timed at the first call; ``again=True`` times it once more (the budget tests do, after the notebooks ran).
    """
    if not _rounds or (again and len(_rounds) <= budget.ROUNDS):
        _rounds.extend(budget.calibrate())
    return statistics.median(_rounds)
