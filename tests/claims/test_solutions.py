"""Every worked solution that is code passes the check its exercise gives students, on both MNIST paths."""

import pytest

from tests.claims import solution_verdicts, values_of
from tools.notebooks import course_notebooks

# notebook -> the names of its solutions' verdicts ("verdict 04.1", ...)
CHECKED = {path.stem: [key for values in solution_verdicts(path.stem).values() for key in values]
           for path in course_notebooks()}


@pytest.mark.parametrize("mnist", ["subset", "full"])
@pytest.mark.parametrize("name", [name for name, verdicts in CHECKED.items() if verdicts])
def test_each_worked_solution_passes_its_check(name, mnist):
    values = values_of(name, mnist)
    wrong = {key: values[key] for key in CHECKED[name] if not values[key].endswith(": right.")}
    assert not wrong, f"{name} ({mnist}): a worked solution fails its own check: {wrong}"
