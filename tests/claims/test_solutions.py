"""Every worked solution that is code passes the check its exercise gives students, on both MNIST paths."""

import pytest

from tests.claims import solution_verdicts, values_of
from tools.notebooks import course_notebooks

CHECKED = {path.stem: sorted(solution_verdicts(path.stem).values(), key=str) for path in course_notebooks()}


@pytest.mark.parametrize("mnist", ["subset", "full"])
@pytest.mark.parametrize("name", [name for name, verdicts in CHECKED.items() if verdicts])
def test_each_worked_solution_passes_its_check(name, mnist):
    values = values_of(name, mnist)
    said = {key: values[key] for verdicts in CHECKED[name] for key in verdicts}
    wrong = {key: line for key, line in said.items() if not line.endswith(": right.")}
    assert not wrong, f"{name} ({mnist}): a worked solution fails its own check: {wrong}"
