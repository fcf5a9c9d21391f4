"""The harness that runs notebooks for the claims and the budgets (tools/notebooks.py, tools/budget.py).

A claim is only as good as the value it reads: these tests run small notebooks
in real kernels and check that a value is the one the named cell left, that
exporting it changes nothing the notebook sees, that a value that cannot be
exported says why, and that the kernel's own CPU time and peak memory come back.
"""

import nbformat
import pytest

from tests.claims import Values
from tools import budget
from tools.notebooks import Run, execute, with_parameters

pytestmark = pytest.mark.unit


def _notebook(tmp_path, *sources, parameters=None):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if parameters is not None:
        cells.insert(0, nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "example.ipynb"
    nbformat.write(notebook, path)
    return path, [cell.id for cell in notebook.cells]


def test_a_value_is_the_one_its_cell_left_and_exporting_it_changes_nothing(tmp_path):
    path, ids = _notebook(tmp_path, "x = 1", "x = 2\nprint(x)",
                          "print(sorted(name for name in dir() if not name.startswith('_')))")
    run = execute(path, exports={ids[0]: {"x_then": "x", "doubled": "[x, x]"}, ids[1]: {"x_later": "x"}})
    assert run.values == {"x_then": 1, "doubled": [1, 1], "x_later": 2}
    cells, plain = run.notebook.cells, execute(path).notebook.cells
    assert [cell.execution_count for cell in cells] == [1, 2, 3], "an export took an execution count"
    assert [cell.outputs for cell in cells] == [cell.outputs for cell in plain], "an export changed an output"
    assert "'x'" in cells[2].outputs[0].text


def test_a_value_that_cannot_be_exported_fails_its_claim_with_the_reason(tmp_path):
    path, ids = _notebook(tmp_path, "import threading\nlock = threading.Lock()")
    run = execute(path, exports={ids[0]: {"missing": "no_such_name", "lock": "lock"}})
    assert run.errors["missing"].startswith("NameError") and "pickle" in run.errors["lock"]
    with pytest.raises(pytest.fail.Exception, match="could not export 'missing': NameError"):
        Values(run)["missing"]
    with pytest.raises(pytest.fail.Exception, match="'other' is not exported"):
        Values(run)["other"]


def test_a_cell_id_that_is_not_in_the_notebook_is_refused(tmp_path):
    path, _ = _notebook(tmp_path, "x = 1")
    with pytest.raises(ValueError, match="has no code cell with id gone"):
        execute(path, exports={"gone": {"x": "x"}})


def test_the_kernel_reports_its_own_cpu_time_and_peak_memory(tmp_path):
    path, _ = _notebook(tmp_path, "import time\nblock = b'x' * 300_000_000\nstart = time.process_time()\n"
                                  "while time.process_time() - start < 1.5:\n    pass")
    run = execute(path)
    assert run.peak_bytes > 300e6, run.peak_bytes
    assert 1.5 <= run.cpu < run.wall + 5, (run.cpu, run.wall)


def test_the_kernels_peak_memory_leaves_out_the_process_that_started_it(tmp_path):
    """Linux carries ru_maxrss over an exec: a kernel started by a large pytest would report pytest's size."""
    held_here = b"x" * 400_000_000  # this process is now larger than any small kernel
    path, _ = _notebook(tmp_path, "answer = 42")
    run = execute(path)
    assert len(held_here) and run.peak_bytes < 300e6, run.peak_bytes


def test_parameters_replace_the_assignments_of_the_parameters_cell(tmp_path):
    path, ids = _notebook(tmp_path, "doubled = 2 * SEED", parameters="SEED = 0  # the seed\nLONGER = 1")
    run = execute(path, exports={ids[1]: {"doubled": "doubled", "longer": "LONGER"}}, parameters={"SEED": "3"})
    assert run.values == {"doubled": 6, "longer": 1}
    with pytest.raises(ValueError, match="the parameters cell sets no STEPS"):
        with_parameters(nbformat.read(path, as_version=4), {"STEPS": "10"})


def _run(cpu, peak_bytes=0):
    return Run("example", "subset", wall=cpu, cpu=cpu, peak_bytes=peak_bytes)


def test_the_time_budget_means_the_same_on_a_machine_twice_as_slow():
    limit = budget.CORES * budget.BUDGET_SECONDS  # reference CPU seconds
    on_reference = _run(limit * 0.6)
    on_slower = _run(limit * 1.2)  # the same notebook, twice the CPU seconds...
    assert budget.time_share(on_reference, budget.REFERENCE_CALIBRATION) == pytest.approx(0.6)
    assert budget.time_share(on_slower, 2 * budget.REFERENCE_CALIBRATION) == pytest.approx(0.6)  # ...same share
    assert not budget.within(on_slower, budget.REFERENCE_CALIBRATION)


def test_the_budget_allows_up_to_its_limits_and_not_beyond():
    limit = budget.CORES * budget.BUDGET_SECONDS
    assert budget.within(_run(limit, budget.BUDGET_BYTES - 1), budget.REFERENCE_CALIBRATION)
    assert not budget.within(_run(limit * 1.01), budget.REFERENCE_CALIBRATION)
    assert not budget.within(_run(1, budget.BUDGET_BYTES), budget.REFERENCE_CALIBRATION)
