"""Run the course's notebooks in fresh kernels: re-make their stored outputs, or measure them.

    python -m tools.notebooks refresh [NOTEBOOK ...]          re-run on the subset and store the outputs
    python -m tools.notebooks measure [--full] [NOTEBOOK ...]  run, print time and peak memory, store nothing

``refresh`` is what you run after changing a notebook or upgrading a library
(then review the diff): it runs each notebook as the regression tests will see
it (the offline subset), drops TensorFlow's log lines from stderr, keeps the
regression-check cells collapsed, and prints each one's run time and its
kernel's peak memory. ``measure --full`` runs them as on Binder, with full
MNIST in Keras' cache (here the full-size stand-in of tools/standin_mnist.py),
which is how ``make test`` checks the budgets on the full-MNIST path; the
executed notebooks are left in test-artifacts/measured/ to look at.

A notebook's budget, on 2 CPU cores, whichever MNIST it gets: at most
``BUDGET_SECONDS`` and a kernel below ``BUDGET_BYTES`` (Binder gives about 2 GB
for the server and the kernels together). The seconds are those of the
reference machine: on a slower or faster machine the time budget is scaled by
how long a fixed training workload takes there (tools/speed.py).
"""

import argparse
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools.harness import ROOT, START_ENV, TEST_ENV, tree_rss
from tools.speed import slowness

NOTEBOOKS = ROOT / "notebooks"
MEASURED = ROOT / "test-artifacts" / "measured"  # measure's executed notebooks
BUDGET_SECONDS = 120
BUDGET_BYTES = 1.5e9
CHECK_TAG = "regression-check"  # cells that print facts for nbval to compare; collapsed in JupyterLab
# "WARNING: All log messages before absl::InitializeLog() ..." and "I0000 00:00:1795... 4496 port.cc:153] ..."
TF_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} \S+\s+\d+ [\w.]+:\d+\]).*\n?", re.M)


@dataclass
class Run:
    """One notebook run: the executed notebook, its wall time, its kernel's peak resident memory."""

    path: Path
    notebook: nbformat.NotebookNode
    seconds: float
    peak_bytes: int
    peak_cell: int  # the cell running when memory peaked

    def within_budget(self):
        return within_budget(self.seconds, self.peak_bytes)

    def failed_checks(self):
        return failed_checks(self.notebook)


def failed_checks(notebook):
    """Lines of the regression-check cells that print False: a threshold that did not hold."""
    return [f"cell {index}: {line.strip()}" for index, cell in enumerate(notebook.cells)
            if CHECK_TAG in cell.metadata.get("tags", [])
            for output in cell.get("outputs", []) if output.get("output_type") == "stream"
            for line in output.get("text", "").splitlines() if line.rstrip().endswith("False")]


def within_budget(seconds, peak_bytes, machine_slowness=None):
    """The budget's one rule: at most the time budget here, and a kernel below BUDGET_BYTES."""
    return seconds <= time_budget(machine_slowness) and peak_bytes < BUDGET_BYTES


def time_budget(machine_slowness=None):
    """BUDGET_SECONDS as seconds on this machine: the reference machine's seconds times its slowness.

    ``machine_slowness`` is the slowness timed around one run (tools.speed.slowness_now); without
    it, the one timed first in this process.
    """
    return BUDGET_SECONDS * (slowness() if machine_slowness is None else machine_slowness)


def course_notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def full_mnist_env():
    """The environment of a machine with full MNIST cached (the stand-in, built once into test-artifacts/)."""
    from tools.standin_mnist import build

    home = ROOT / "test-artifacts" / "standin"
    if not (home / "datasets" / "mnist.npz").is_file():
        build(home)
    return {"KERAS_HOME": str(home), "VAECOURSE_MNIST": ""}  # empty: "auto" finds full MNIST in the cache


def execute(path, env=None, cwd=None):
    """Run a notebook top to bottom in a fresh kernel: the environment we started in, TEST_ENV, then ``env``."""
    path = Path(path).resolve()
    notebook = nbformat.read(path, as_version=4)
    # No per-cell timestamps: they would change every line of the diff a reviewer reads.
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    stop, peak, running = threading.Event(), [0, 0], [0]

    def watch():
        while not stop.is_set():
            try:
                rss = tree_rss(client.km.provisioner.process.pid)
            except AttributeError:  # the kernel is not up yet
                rss = 0
            if rss > peak[0]:
                peak[:] = rss, running[0]
            time.sleep(0.1)

    start = time.perf_counter()
    with client.setup_kernel(env={**START_ENV, **TEST_ENV, **(env or {})}):
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        for index, cell in enumerate(notebook.cells):
            running[0] = index
            client.execute_cell(cell, index)
        stop.set()
    return Run(path, notebook, time.perf_counter() - start, *peak)


def tidy(notebook):
    """What refresh stores: outputs without TensorFlow's log lines, check cells collapsed."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = TF_LOG_LINE.sub("", output.text)
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and not o.text.strip())]
        if CHECK_TAG in cell.metadata.get("tags", []):
            cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    notebook.metadata.pop("widgets", None)  # explorers need a live kernel; stored widget state would be stale
    return notebook


def report(runs, title):
    lines = [title, f"{'notebook':44s} {'time':>8s} {'peak kernel memory':>19s}"]
    for run in runs:
        flag = "" if run.within_budget() else "   OVER BUDGET"
        lines.append(f"{run.path.name:44s} {run.seconds:7.1f}s {run.peak_bytes / 1e9:9.2f} GB (cell {run.peak_cell:2d})"
                     f"{flag}")
    lines.append(f"{'total':44s} {sum(r.seconds for r in runs):7.1f}s")
    lines.append(f"time budget here: {time_budget():.0f} s ({BUDGET_SECONDS} s on the reference machine, "
                 f"which is {slowness():.2f} times as fast as this one)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("refresh", "measure"))
    parser.add_argument("--full", action="store_true", help="measure with full MNIST in the cache (the stand-in)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_intermixed_args(argv)
    env = full_mnist_env() if args.full else {}
    runs = []
    for path in args.notebooks or course_notebooks():
        run = execute(path, env)
        if args.action == "refresh":
            nbformat.write(tidy(run.notebook), run.path)
        else:  # kept for a look at what the other MNIST printed
            MEASURED.mkdir(parents=True, exist_ok=True)
            nbformat.write(run.notebook, MEASURED / run.path.name)
        runs.append(run)
        print(report([run], "").splitlines()[2], flush=True)
        for failure in run.failed_checks():
            print(f"   check failed: {failure}")
    print(report(runs, f"{args.action}, {'full-size MNIST (stand-in)' if args.full else 'MNIST subset'}:"))
    return 0 if all(r.within_budget() and not r.failed_checks() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
