"""Every notebook on full-size MNIST, as Binder and laptops with internet get it: within its time and memory.

Full MNIST cannot be downloaded here, so the full-size stand-in of
tools/standin_mnist.py (60,000 / 10,000 real digits, shifted and re-inked
copies of the subset's) sits in a Keras cache of its own, where load_mnist
finds it exactly as it finds a real download. Each notebook runs top to bottom
in a fresh kernel, without comparing outputs (its figures differ from the
stored ones); its regression-check cells must not print False, and it must
stay within the course's budget (its time scaled to this machine's speed,
timed right before and right after the notebook: tools/speed.py). The root
conftest.py prints these figures beside the subset's.
"""

import json

import pytest

from tools.harness import ARTIFACTS
from tools.notebooks import BUDGET_BYTES, BUDGET_SECONDS, course_notebooks, execute, full_mnist_env, time_budget
from tools.speed import around, slowness_now

RESULTS = ARTIFACTS / "budgets-full.json"


@pytest.fixture(scope="module")
def full_mnist():
    return full_mnist_env()


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda path: path.stem)
def test_notebook_runs_within_budget_on_full_mnist(path, full_mnist):
    before = slowness_now()
    run = execute(path, full_mnist)
    machine_slowness = around(before, slowness_now())
    budget = time_budget(machine_slowness)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[path.name] = [run.seconds, run.peak_bytes, machine_slowness]
    RESULTS.write_text(json.dumps(results, indent=1))
    loaded = _first_output(run)
    assert "Using full MNIST" in loaded and "10,000 test digits" in loaded, f"not full-size MNIST: {loaded!r}"
    assert not run.failed_checks(), f"checks that fail on full-size MNIST: {run.failed_checks()}"
    assert run.seconds <= budget, (f"{path.name} took {run.seconds:.0f} s (budget {budget:.0f} s here, "
                                   f"{BUDGET_SECONDS} s on the reference machine, which was {machine_slowness:.2f} "
                                   f"times as fast around this run)")
    assert run.peak_bytes < BUDGET_BYTES, (f"{path.name} peaked at {run.peak_bytes / 1e9:.2f} GB in cell "
                                           f"{run.peak_cell} (budget {BUDGET_BYTES / 1e9:.1f} GB)")


def _first_output(run):
    """The line load_mnist printed (the first stream output of the notebook)."""
    for cell in run.notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and "MNIST" in output.get("text", ""):
                return output["text"]
    return ""
