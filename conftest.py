"""pytest set-up for `make test`: the test environment, the tiers and their order, and nbval's runs.

* Tiers: every test is marked unit, notebook, browser or environment (``make test-fast``
  runs the unit tier). nbval's cells and the claims are the notebook tier; any other
  test module says its tier in ``pytestmark``, and collection fails for a test without one.
* Order: unit, then nbval (the notebooks on the subset), then browser and environment tests, then
  the claims, the budgets, and the tests whose module has a BACKGROUND job. What these last read is
  made in a background thread (tests/runs.py) from the start, beside everything before the claims:
  the full-size runs, then those jobs (the Binder walk, the unit tests with the lowest versions).
* nbval's kernel feeds the claims: right after a cell that a claim names, the claim's
  values are exported from the kernel, and when the notebook ends its run (time, CPU,
  peak memory) is recorded for the budget tests (tests/runs.py, tools/notebooks.py).
"""

import os
import time
from pathlib import Path

import pytest

from tests import runs
from tests.harness import ONE_THREAD, TEST_ENV
from tools import budget
from tools.notebooks import export_snippet, finish_run, rusage_snippet, start_run_folder

os.environ.update({**TEST_ENV, **ONE_THREAD})  # the one place the tests' environment is set (nbval's kernel too)
TIERS = ("unit", "notebook", "browser", "environment")
CLAIMS = Path(__file__).parent / "tests" / "claims"
_nbval = {}  # notebook name -> (run folder, start time) of the notebook nbval is running


def pytest_addoption(parser):
    parser.addoption("--reuse-runs", action="store_true",
                     help="claims and budgets read the notebook runs recorded last in test-artifacts/runs/")
    parser.addoption("--notebooks", type=Path, help="run the notebooks of this folder instead (to try a break)")


def pytest_configure(config):
    for tier in TIERS:
        config.addinivalue_line("markers", f"{tier}: a test of the {tier} tier")
    config.addinivalue_line("markers", "claim(cell, words): the notebook sentence a test stands behind")
    runs.settings["reuse"] = config.getoption("--reuse-runs")
    if config.getoption("--notebooks"):
        runs.settings["notebooks"] = config.getoption("--notebooks").resolve()


def pytest_collectstart(collector):
    # A finished progress line (vaecourse.progress) is an empty display, which the stored notebooks drop
    # (tools.notebooks.tidy): compare what outputs hold, not how many displays a cell opened.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("output_type",)


def _is_nbval(item):
    return Path(str(item.fspath)).suffix == ".ipynb"


def pytest_collection_modifyitems(config, items):
    unmarked = []
    for item in items:
        if _is_nbval(item) or CLAIMS in Path(str(item.fspath)).parents:
            item.add_marker("notebook")
        tiers = [tier for tier in TIERS if item.get_closest_marker(tier)]
        if len(tiers) != 1:
            unmarked.append(f"{item.nodeid}: {tiers or 'no tier'}")
    if unmarked:
        raise pytest.UsageError("every test needs exactly one tier marker (pytestmark = pytest.mark.unit, ...):\n"
                                + "\n".join(unmarked[:20]))

    def order(item):
        tier = next(tier for tier in TIERS if item.get_closest_marker(tier))
        if _background_jobs([item]):
            return len(TIERS) + 1  # they wait for jobs queued after the full-size runs
        if tier != "notebook" or _is_nbval(item):
            return TIERS.index(tier)
        return len(TIERS) + (0.9 if item.fspath.basename == "test_notebook_budgets.py" else 0.5)

    items.sort(key=order)  # stable: each file's tests keep their order


def _full_size_notebooks(items):
    """The notebooks whose full-size run some test of the session reads (claims, solutions, budgets)."""
    names = []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if params and "full" in (params.get("values"), params.get("mnist")):
            name = params.get("name") or Path(str(item.fspath)).stem.removeprefix("test_")
            if name not in names:
                names.append(name)
    return names


def _background_jobs(items):
    """{name: job} of the test modules among ``items`` that wait for a job of their own (their BACKGROUND)."""
    jobs = {}
    for item in items:
        jobs.update(getattr(getattr(item, "module", None), "BACKGROUND", {}))
    return jobs


def pytest_runtestloop(session):
    """Time the calibration, then queue the background jobs (tests/runs.py): the full-size runs, then the
    jobs of the modules that declare them (the Binder walk, the unit tests with the lowest versions)."""
    if session.config.option.collectonly:
        return
    names = _full_size_notebooks(session.items)
    if names and not runs.settings["reuse"]:
        runs.calibration()  # before any kernel runs
        runs.start_full_runs(names)
    for name, job in _background_jobs(session.items).items():
        runs.in_background(name, job)


def pytest_sessionfinish(session):
    runs.stop_background()


def _notebook_of(item):
    return Path(str(item.fspath)).stem if _is_nbval(item) else None


def pytest_runtest_setup(item):
    name = _notebook_of(item)
    if name and name not in _nbval:
        runs.calibration()  # timed once, before the first notebook
        _nbval[name] = (start_run_folder("subset", name), time.perf_counter())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """After an nbval cell: export what the claims read from it; after the last cell, record the run."""
    from tests.claims import exports_of

    name = _notebook_of(item)
    if not name or not item.parent.kernel.is_alive():
        return
    folder, start = _nbval[name]
    exports = exports_of(name).get(item.cell.get("id"))
    if exports:
        _silently(item.parent.kernel, export_snippet(exports, folder / f"{item.cell.id}.pkl"))
    if nextitem is None or _notebook_of(nextitem) != name:
        _silently(item.parent.kernel, rusage_snippet(folder / "rusage.json"))
        runs.record(finish_run("subset", name, folder, time.perf_counter() - start, made_by="nbval"))


def _silently(kernel, code):
    """Run ``code`` in nbval's kernel between two cells; nbval reads only the messages of its own cells."""
    msg_id = kernel.kc.execute(code, store_history=False, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=600)
    kernel.await_idle(msg_id, timeout=60)


def pytest_terminal_summary(terminalreporter, config):
    recorded = runs.recorded()
    if not recorded or runs.settings["reuse"]:  # reused runs were measured where they were made
        return
    calibration = runs.calibration()
    terminalreporter.section("notebooks: time and peak memory against their budgets")
    for key in sorted(recorded):
        terminalreporter.write_line(budget.describe(recorded[key], calibration))
    rounds = runs.calibration_rounds()
    terminalreporter.write_line(
        f"calibration: {calibration:.2f} CPU s here (the median of {len(rounds)} rounds, {min(rounds):.2f} to "
        f"{max(rounds):.2f}), {budget.REFERENCE_CALIBRATION:.2f} on the reference machine; "
        f"budget {budget.CORES} x {budget.BUDGET_SECONDS} reference CPU s and {budget.BUDGET_BYTES / 1e9:.1f} GB")
