"""The notebooks' runs of one test session: each notebook runs at most once per MNIST path.

The subset's run is nbval's own: conftest.py exports the claims' values from
nbval's kernel and records the run here. Any run not made yet (the full-size
path, or the subset when nbval is off) is made on first use, in a fresh kernel.
A full-size run made here leaves its executed notebook in test-artifacts/measured/,
as ``tools.notebooks measure --full`` does. Under ``make test`` the full-size runs
are made in the background (``start_full_runs``) while nbval runs the subset in
the foreground: one kernel keeps about one of the two cores busy, two keep both. With ``--reuse-runs`` the runs recorded
last in test-artifacts/runs/ are read instead (``tools.notebooks refresh`` checks
its claims that way). With
``VAECOURSE_PARAMETERS`` set (e.g. ``"SEED=1 LONGER=4"``, see ``make claims``),
every run overrides those assignments of the notebook's parameters cell.
"""

import functools
import os
import statistics
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import nbformat

from tools import budget
from tools.notebooks import MEASURED, NOTEBOOKS, course_notebooks, execute, load_run, sets

_runs = {}  # (notebook name, "subset" or "full") -> Run
# (notebook name, "subset" or "full") -> Future of a run made in this session, here or in the background;
# a background job's name -> its Future
_made = {}
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")  # one job at a time
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


def _make(name, mnist):
    from tests.claims import exports_of

    run = execute(settings["notebooks"] / f"{name}.ipynb", mnist, exports=exports_of(name), parameters=parameters())
    if mnist == "full" and not parameters():  # as measure --full leaves it: for figures --full and readers
        MEASURED.mkdir(parents=True, exist_ok=True)
        nbformat.write(run.notebook, MEASURED / f"{name}.ipynb")
    return run


def in_background(key, job, *args):
    """The Future of ``job(*args)``, queued under ``key`` (once per session) in a background thread that
    runs one job at a time, in the order they were queued."""
    if key not in _made:
        _made[key] = _background.submit(job, *args)
    return _made[key]


def _full_run_and_a_calibration_round(name):
    run = _make(name, "full")
    _time_rounds(1)
    return run


def start_full_runs(names):
    """Queue the full-size runs of notebooks ``names`` in the background, each followed by a calibration round."""
    if not settings["reuse"]:
        for name in names:
            in_background((name, "full"), _full_run_and_a_calibration_round, name)


def stop_background():
    """Drop the queued jobs that have not started (the session ended early); stop the calibration's Python."""
    _background.shutdown(wait=False, cancel_futures=True)
    if _calibration["calibrator"] is not None:
        _calibration["calibrator"].close()


def run_of(name, mnist):
    """The run of notebook ``name`` on ``mnist`` ("subset" or "full"), made (or waited for) if needed.

    A run that failed is not made again: every later test that reads it gets the same error.
    """
    key = (name, mnist)
    if key not in _runs:
        run = load_run(mnist, name) if settings["reuse"] else None
        if run is None:
            if key not in _made:
                _made[key] = future = Future()
                try:
                    future.set_result(_make(name, mnist))
                except Exception as error:
                    future.set_exception(error)
            run = _made[key].result()
        record(run)
    return _runs[key]


_calibration = {"rounds": [], "calibrator": None, "again": False}  # rounds in CPU seconds; its Python; timed again?
_calibration_lock = threading.Lock()  # the foreground and the background time rounds


def _time_rounds(count):
    with _calibration_lock:
        if _calibration["calibrator"] is None:
            _calibration["calibrator"] = budget.Calibrator()
        _calibration["rounds"].extend(_calibration["calibrator"].rounds(count))


def calibration(*, again=False):
    """The calibration workload's CPU seconds: the median of its rounds timed in this session (tools/budget.py).

    ROUNDS rounds at the first call, one after each full-size run (in the background, beside nbval's kernel,
    as the notebooks run), and ROUNDS more at the first call with ``again=True`` (the budget tests, after the
    notebooks ran): the machine's speed drifts over minutes.
    """
    if not _calibration["rounds"]:
        _time_rounds(budget.ROUNDS)
    if again and not _calibration["again"]:
        _calibration["again"] = True
        _time_rounds(budget.ROUNDS)
    return statistics.median(_calibration["rounds"])


def calibration_rounds():
    """The calibration's rounds timed so far in this session, in CPU seconds, in the order they were timed."""
    return list(_calibration["rounds"])
