"""pytest set-up for `make test`: the test environment, nbval's comparisons, and the notebooks' budgets.

The notebooks run twice: first plain, on the full-size MNIST stand-in
(tests/test_notebook_budgets.py), then under nbval on the offline subset, whose
stored outputs they are compared with. This file watches the nbval kernels'
time and memory, times the machine's speed before and after each (tools/speed.py),
prints both paths side by side at the end, and fails the run if a notebook broke
its budget on the subset (the full-size path fails its own tests).
"""

import json
import os
import threading
import time
from pathlib import Path

from tools.harness import ARTIFACTS, TEST_ENV, tree_rss
from tools.notebooks import BUDGET_BYTES, BUDGET_SECONDS, within_budget
from tools.speed import around, slowness, slowness_now

os.environ.update(TEST_ENV)  # the one place the tests' environment is set
FULL_RESULTS = ARTIFACTS / "budgets-full.json"  # written by tests/test_notebook_budgets.py
_subset = {}  # notebook name -> [start, end, peak bytes, slowness timed before it] of its nbval run
_started = {}  # notebook name -> wall-clock time its nbval run began (to tell its kernel from older ones)


def pytest_collectstart(collector):
    # TensorFlow writes timestamped log lines to stderr whatever the log level,
    # so stderr can never compare equal between two runs: skip comparing it.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def _notebook_of(item):
    path = Path(str(item.fspath))
    return path.name if path.suffix == ".ipynb" else None


def pytest_runtest_setup(item):
    name = _notebook_of(item)
    if name and name not in _subset:
        # Timed before the kernel starts; the next notebook's probe (or the one at the end) is the one after.
        before = slowness_now()
        _subset[name] = [time.perf_counter(), None, 0, before]
        _started[name] = time.time()
        _Watcher.current = name


def pytest_runtest_teardown(item):
    name = _notebook_of(item)
    if name:
        _subset[name][1] = time.perf_counter()


class _Watcher(threading.Thread):
    """Samples the memory of the kernel nbval started for the notebook being run.

    That is every child of this process started since the notebook's run began:
    the previous notebook's kernel may still be shutting down, and it is not
    this notebook's memory.
    """

    current = None

    def __init__(self):
        super().__init__(daemon=True)

    def run(self):
        me = os.getpid()
        while True:
            name = self.current
            if name in _subset:
                kernels = sum(tree_rss(pid) for pid in _children_since(me, _started[name] - 1))  # rounded times
                _subset[name][2] = max(_subset[name][2], kernels)
            time.sleep(0.1)


def _children_since(pid, since):
    """Process ids of the children of ``pid`` started at or after ``since`` (seconds since the epoch)."""
    import psutil

    found = []
    for child in psutil.Process(pid).children():
        try:
            if child.create_time() >= since:
                found.append(child.pid)
        except psutil.Error:  # it has just exited
            pass
    return found


def pytest_sessionstart(session):
    FULL_RESULTS.unlink(missing_ok=True)  # only this run's figures are reported
    if session.config.getoption("--nbval", default=False):
        _Watcher().start()


def _budget_lines():
    full = json.loads(FULL_RESULTS.read_text()) if FULL_RESULTS.is_file() else {}
    names = sorted(set(_subset) | set(full))
    if not names:
        return [], []
    lines = [f"{'notebook':40s} {'subset (nbval)':>30s} {'full-size stand-in':>30s}",
             f"{'':40s} {'s here (reference), peak':>30s} {'s here (reference), peak':>30s}"]
    broken = []
    for name in names:
        cells = []
        for path_name, record in (("subset", _subset.get(name)), ("full", full.get(name))):
            if record is None or (path_name == "subset" and record[1] is None):
                cells.append(f"{'not run':>30s}")
                continue
            if path_name == "subset":
                seconds, peak, ratio = record[1] - record[0], record[2], around(record[3], _slowness_after(name))
            else:
                seconds, peak, ratio = record
            over = not within_budget(seconds, peak, ratio)
            if over and path_name == "subset":
                broken.append(f"{name}: {seconds:.0f} s, {peak / 1e9:.2f} GB on the subset")
            flag = " !" if over else "  "
            cells.append(f"{seconds:7.1f} s ({seconds / ratio:5.1f} s) {peak / 1e9:5.2f} GB{flag}")
        lines.append(f"{name:40s} " + " ".join(cells))
    lines.append(f"budget per notebook: {BUDGET_SECONDS} s on the reference machine, scaled by this machine's "
                 f"slowness timed right before and after each run ({slowness():.2f} when first timed), and "
                 f"below {BUDGET_BYTES / 1e9:.1f} GB of kernel memory")
    return lines, broken


def _slowness_after(name):
    """The slowness timed right after a subset run: the next notebook's probe, or one taken now."""
    names = list(_subset)
    following = names.index(name) + 1
    return _subset[names[following]][3] if following < len(names) else slowness_now()


def pytest_terminal_summary(terminalreporter):
    lines, broken = _budget_lines()
    if lines:
        terminalreporter.section("notebook run times and peak kernel memory, both MNIST paths")
        for line in lines:
            terminalreporter.write_line(line)
        for line in broken:
            terminalreporter.write_line(f"OVER BUDGET: {line}", red=True)


def pytest_sessionfinish(session, exitstatus):
    if _budget_lines()[1] and exitstatus == 0:
        session.exitstatus = 1  # a notebook over its budget on the subset fails the run
