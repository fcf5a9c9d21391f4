"""Run the course's notebooks in fresh kernels: re-make their stored outputs, or measure them.

    python -m tools.notebooks refresh [NOTEBOOK ...]          re-run on the subset, check its claims, store outputs
                                                              (and write the student edition from them)
    python -m tools.notebooks measure [--full] [NOTEBOOK ...]  run, print time and memory, check claims, store nothing
    python -m tools.notebooks figures [--full] [NOTEBOOK ...]  the figures as PNG files, to look at or give a reader

``refresh`` is what you run after changing a notebook or upgrading a library
(then review the diff). It runs each notebook as nbval will (the offline
subset), hands the values its claims read (tests/claims/) to those claims, and
stores the outputs only if every claim holds; it drops TensorFlow's log lines
from stderr. ``measure --full`` runs the notebooks as on Binder, with full MNIST
in Keras' cache (here the full-size stand-in of tools/standin_mnist.py); the
executed notebooks are left in test-artifacts/measured/ to look at.

A run exports values for the claims while it goes: right after the code cell a
claim names, a silent snippet evaluates the claim's expressions in the kernel's
namespace and pickles them (store_history=False: it shows no output, takes no
execution count and defines no name). At the end, the kernel reports its own
CPU seconds and peak resident memory (getrusage), which the budget
(tools/budget.py) reads; the time the exports took is not counted.
"""

import argparse
import json
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync

from tools import ROOT, budget, student

NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
RUNS = ARTIFACTS / "runs"  # one folder per MNIST path and notebook: the exported values and the run's figures
MEASURED = ARTIFACTS / "measured"  # measure's executed notebooks
FIGURES = ARTIFACTS / "figures"  # figures' PNG files
PARAMETERS_TAG = "parameters"  # the cell whose assignments a run may override (as papermill does)
# "WARNING: All log messages before absl::InitializeLog() ..." and "I0000 00:00:1795... 4496 port.cc:153] ..."
TF_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} \S+\s+\d+ [\w.]+:\d+\]).*\n?", re.M)

# Runs in the kernel with _exports ({name: expression}), _path and _ns (the user namespace) as its globals.
_EXPORT = """
import pickle, resource, time

def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

start_cpu, start_wall = cpu_seconds(), time.perf_counter()
values, errors = {}, {}
for name, expression in _exports.items():
    try:
        value = eval(expression, _ns)
        pickle.dumps(value)
        values[name] = value
    except Exception as error:
        errors[name] = f"{type(error).__name__}: {error}"
with open(_path, "wb") as out:
    pickle.dump({"values": values, "errors": errors, "cpu": cpu_seconds() - start_cpu,
                 "wall": time.perf_counter() - start_wall}, out)
"""
# Peak memory is the kernel's VmHWM, its own high-water mark. Not getrusage's ru_maxrss: Linux carries that
# over an exec from the process that forked the kernel, so a kernel started by a large pytest reports the
# pytest's size.
_RUSAGE = """
import json, resource
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
peak = own.ru_maxrss * 1024
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
with open(_path, "w") as out:
    json.dump({"cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, "peak_bytes": peak}, out)
"""


def _snippet(source, **globals_):
    """One line that runs ``source`` with ``globals_`` (and the user namespace as _ns), leaving no name behind."""
    names = ", ".join(f"{name!r}: {value!r}" for name, value in globals_.items())
    return f"exec({source!r}, {{{names}, '_ns': get_ipython().user_ns}})"


def export_snippet(exports, path):
    return _snippet(_EXPORT, _exports=dict(exports), _path=str(path))


def rusage_snippet(path):
    return _snippet(_RUSAGE, _path=str(path))


@dataclass
class Run:
    """One notebook run: what it exported, its wall time and CPU seconds (exports left out), its peak memory."""

    name: str
    mnist: str  # "subset" or "full"
    wall: float
    cpu: float
    peak_bytes: int
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # name -> why the kernel could not export it
    made_by: str = "nbclient"  # or "nbval" (its kernel, under make test), or "recorded" (read back from disk)
    notebook: nbformat.NotebookNode | None = None  # the executed notebook, for runs made here


def run_folder(mnist, name, runs=None):
    return (runs or RUNS) / mnist / name


def start_run_folder(mnist, name, runs=None):
    folder = run_folder(mnist, name, runs)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _exported(folder):
    """The values the kernel exported into ``folder``, why some could not be, and what exporting cost."""
    values, errors, cpu, wall = {}, {}, 0.0, 0.0
    for part in sorted(folder.glob("*.pkl")):
        exported = pickle.loads(part.read_bytes())
        values.update(exported["values"])
        errors.update(exported["errors"])
        cpu += exported["cpu"]
        wall += exported["wall"]
    return values, errors, cpu, wall


def finish_run(mnist, name, folder, wall, made_by="nbclient"):
    """Gather a run's exported values and the kernel's own figures from ``folder``; record them in run.json."""
    values, errors, export_cpu, export_wall = _exported(folder)
    kernel = json.loads((folder / "rusage.json").read_text())
    run = Run(name, mnist, wall - export_wall, kernel["cpu"] - export_cpu, kernel["peak_bytes"], values, errors,
              made_by)
    (folder / "run.json").write_text(json.dumps({"wall": run.wall, "cpu": run.cpu, "peak_bytes": run.peak_bytes}))
    return run


def load_run(mnist, name):
    """The run recorded last in test-artifacts/runs/, or None."""
    folder = run_folder(mnist, name)
    if not (folder / "run.json").is_file():
        return None
    figures = json.loads((folder / "run.json").read_text())
    values, errors, _, _ = _exported(folder)
    return Run(name, mnist, figures["wall"], figures["cpu"], figures["peak_bytes"], values, errors, "recorded")


def course_notebooks(folder=NOTEBOOKS):
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def full_mnist_env():
    """The environment of a machine with full MNIST cached (the stand-in, built once into test-artifacts/)."""
    from tools.standin_mnist import build

    home = ARTIFACTS / "standin"
    if not (home / "datasets" / "mnist.npz").is_file():
        build(home)
    return {"KERAS_HOME": str(home), "VAECOURSE_MNIST": ""}  # empty: "auto" finds full MNIST in the cache


def mnist_env(mnist):
    return full_mnist_env() if mnist == "full" else {"VAECOURSE_MNIST": "subset"}


def parameters_cell(notebook):
    cells = [cell for cell in notebook.cells if PARAMETERS_TAG in cell.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"the notebook needs exactly one cell tagged {PARAMETERS_TAG!r}; it has {len(cells)}")
    return cells[0]


def sets(notebook, name):
    """Whether the notebook's parameters cell assigns ``name``."""
    return re.search(rf"^{name} = ", parameters_cell(notebook).source, re.M) is not None


def with_parameters(notebook, parameters, *, strict=True):
    """The notebook with ``NAME = value`` lines of its parameters cell replaced (a run of another SEED, ...).

    A name the cell does not set is an error, or with ``strict=False`` left out (LONGER in a notebook
    that trains nothing).
    """
    for name, value in (parameters or {}).items():
        if not sets(notebook, name):
            if strict:
                raise ValueError(f"the parameters cell sets no {name}")
            continue
        cell = parameters_cell(notebook)
        cell.source = re.sub(rf"^{name} = .*$", f"{name} = {value}", cell.source, flags=re.M)
    return notebook


def execute(path, mnist="subset", *, exports=None, parameters=None, env=None, edit=None, runs=None):
    """Run a notebook top to bottom in a fresh kernel and return its Run.

    ``exports`` maps code cell ids to {name: expression}: right after that cell, the
    expressions are evaluated in the kernel and their values come back in the Run.
    ``parameters`` overrides those assignments of the parameters cell that it makes.
    ``edit`` changes the notebook before it runs (tools/breaks.py breaks its code);
    ``runs`` is the folder the run is recorded in (default test-artifacts/runs/).
    """
    from tests.harness import kernel_env

    path = Path(path).resolve()
    notebook = with_parameters(nbformat.read(path, as_version=4), parameters, strict=False)
    if edit:
        notebook = edit(notebook)
    exports = exports or {}
    missing = set(exports) - {cell.get("id") for cell in notebook.cells if cell.cell_type == "code"}
    if missing:
        raise ValueError(f"{path.name} has no code cell with id {', '.join(sorted(missing))}")
    folder = start_run_folder(mnist, path.stem, runs)
    # No per-cell timestamps: they would change every line of the diff a reviewer reads.
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel(env=kernel_env({**mnist_env(mnist), **(env or {})})):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
            if cell.get("id") in exports:
                _silently(client, export_snippet(exports[cell.id], folder / f"{cell.id}.pkl"))
        _silently(client, rusage_snippet(folder / "rusage.json"))
    run = finish_run(mnist, path.stem, folder, time.perf_counter() - start)
    run.notebook = notebook
    return run


def _silently(client, code):
    """Run ``code`` in the client's kernel outside the notebook: no output, no execution count."""
    reply = run_sync(client.kc.execute_interactive)(code, store_history=False, allow_stdin=False, timeout=600,
                                                    output_hook=lambda message: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the kernel could not run the harness's snippet: {reply['content'].get('evalue')}")


def _empty(output):
    """A stream with no text, or a display with no data (what a finished progress line leaves)."""
    if output.output_type == "stream":
        return not output.text.strip()
    return output.output_type == "display_data" and not output.get("data")


def tidy(notebook):
    """What refresh stores: outputs without TensorFlow's log lines or empty ones, no per-run metadata."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = TF_LOG_LINE.sub("", output.text)
        cell.outputs = [output for output in cell.outputs if not _empty(output)]
    notebook.metadata.pop("widgets", None)  # explorers need a live kernel; stored widget state would be stale
    return notebook


def save_figures(notebook, folder):
    """Every picture a notebook shows, as folder/cellNN-K.png (NN its index), with an index of their descriptions."""
    import base64

    from tools.build_site import WIDGET_VIEW

    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("cell*.png"):  # a figure of an earlier version would pass for a current one
        stale.unlink()
    lines = []
    for index, cell in enumerate(notebook.cells):
        outputs = [output for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
        alts = iter(cell.get("metadata", {}).get("vaecourse", {}).get("alt", []))
        for k, output in enumerate(outputs):
            name = f"cell{index:02d}-{k}.png"
            (folder / name).write_bytes(base64.b64decode(output["data"]["image/png"]))
            unsaid = ("(a widget's still picture, without a description: the live widget replaces it, and the site "
                      "shows a note instead)" if WIDGET_VIEW in output["data"] else "(no description yet)")
            said = next(alts, unsaid)
            lines.append(f"{name}  (cell id {cell.get('id')}): {said}")
    (folder / "index.txt").write_text("\n".join(lines) + "\n")
    return len(lines)


def check_claims(name, mnist):
    """Run the notebook's claims on the run just recorded; True if they all hold."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:nbval", "-o", "addopts=", "-p", "no:cacheprovider",
               "--reuse-runs", f"tests/claims/test_{name}.py", "-k", mnist]
    return subprocess.run(command, cwd=ROOT).returncode == 0


def main(argv=None):
    from tests.claims import exports_of

    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("refresh", "measure", "figures"))
    parser.add_argument("--full", action="store_true", help="run with full MNIST in the cache (the stand-in)")
    parser.add_argument("--force", action="store_true", help="refresh: store the outputs even if a claim fails")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_intermixed_args(argv)
    mnist = "full" if args.full else "subset"
    if args.action == "figures":  # the stored outputs (subset), or those measure --full left
        for path in args.notebooks or course_notebooks():
            source = MEASURED / Path(path).name if args.full else Path(path)
            count = save_figures(nbformat.read(source, as_version=4), FIGURES / Path(path).stem / mnist)
            print(f"{count} figures of {source} in {FIGURES / Path(path).stem / mnist}")
        return 0
    if args.action == "refresh" and args.full:
        parser.error("the stored outputs are those of the subset: refresh takes no --full")
    calibration = statistics.median(budget.calibrate())
    ok = True
    for path in args.notebooks or course_notebooks():
        run = execute(path, mnist, exports=exports_of(Path(path).stem))
        within = budget.within(run, calibration)
        print(budget.describe(run, calibration), flush=True)
        holds = check_claims(run.name, mnist)
        if args.action == "refresh" and (holds or args.force):
            nbformat.write(tidy(run.notebook), path)
        elif args.action == "measure":
            MEASURED.mkdir(parents=True, exist_ok=True)
            nbformat.write(run.notebook, MEASURED / Path(path).name)
        if not holds:
            print(f"   {run.name}: a claim does not hold" + ("" if args.force or args.action == "measure"
                                                              else "; outputs not stored (--force stores them)"))
        ok = ok and within and holds
    if args.action == "refresh":
        student.main([])  # the student edition is made from the stored outputs
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
