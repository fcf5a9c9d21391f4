"""Every notebook within its budget on both MNIST paths: the subset (nbval's run) and full-size MNIST.

Full MNIST cannot be downloaded here, so the full-size stand-in of
tools/standin_mnist.py (60,000 / 10,000 real digits, shifted and re-inked copies
of the subset's) sits in a Keras cache of its own, where load_mnist finds it
exactly as it finds a real download. The budget's rule is tools/budget.py's. These
tests run after every notebook has run (conftest.py orders them last), so that the
calibration is timed at the start, between the notebooks' runs (tests/runs.py) and at the end.
"""

import pytest

from tests import runs
from tools import budget
from tools.notebooks import course_notebooks

pytestmark = pytest.mark.notebook


@pytest.mark.parametrize("mnist", ["subset", "full"])
@pytest.mark.parametrize("name", [path.stem for path in course_notebooks()])
def test_the_notebook_runs_within_its_budget(request, name, mnist):
    if runs.parameters():
        pytest.skip(f"the budget is for the notebooks as they stand, not with {runs.parameters()}")
    run = runs.run_of(name, mnist)
    if mnist == "subset" and request.config.getoption("--nbval", default=False):
        assert run.made_by == "nbval", "the subset's run must be nbval's own: a notebook runs at most twice"
    if run.notebook is not None and mnist == "full":
        loaded = _mnist_line(run.notebook)
        assert "Using full MNIST" in loaded and "10,000 test digits" in loaded, f"not full-size MNIST: {loaded!r}"
    calibration = runs.calibration(again=True)  # timed again now that the notebooks have run
    assert budget.time_share(run, calibration) <= 1, budget.describe(run, calibration)
    assert run.peak_bytes < budget.BUDGET_BYTES, budget.describe(run, calibration)


def _mnist_line(notebook):
    """The line load_mnist printed (the first stream output that names MNIST), or ""."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and "MNIST" in output.get("text", ""):
                return output["text"]
    return ""
