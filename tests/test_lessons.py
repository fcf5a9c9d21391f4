"""What every lesson must be: its claims anchored to its sentences, no test machinery, one set-up cell.

A claim names a markdown cell by its nbformat id and quotes words from it
(tests/claims/). When a lesson is rewritten, this fails for each claim whose cell
is gone or whose words are no longer there, so no claim goes on testing a sentence
that no longer exists. Whitespace (line breaks) does not count.
"""

import re

import nbformat
import pytest

from tests.claims import claims_in, claims_module
from tools.notebooks import course_notebooks

pytestmark = pytest.mark.unit
NOTEBOOKS = {path.stem: nbformat.read(path, as_version=4) for path in course_notebooks()}


def _flat(text):
    return " ".join(text.split())


def _claims(name):
    for test_name, _, cell_id, words in claims_in(claims_module(name)):
        yield test_name, cell_id, words


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_has_claims(name):
    assert claims_module(name) is not None, f"tests/claims/test_{name}.py is missing"
    assert list(_claims(name)), f"tests/claims/test_{name}.py holds no claim"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_claim_quotes_words_of_its_markdown_cell(name):
    cells = {cell.get("id"): cell for cell in NOTEBOOKS[name].cells}
    problems = []
    for test_name, cell_id, words in _claims(name):
        cell = cells.get(cell_id)
        if cell is None or cell.cell_type != "markdown":
            problems.append(f"{test_name}: no markdown cell {cell_id}")
        elif _flat(words) not in _flat(cell.source):
            problems.append(f"{test_name}: cell {cell_id} no longer says {_flat(words)!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_value_is_taken_after_a_code_cell_of_the_notebook(name):
    code_cells = {cell.get("id") for cell in NOTEBOOKS[name].cells if cell.cell_type == "code"}
    missing = set(getattr(claims_module(name), "VALUES", {})) - code_cells
    assert not missing, f"VALUES names cells that are not code cells of {name}: {sorted(missing)}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_has_a_break_that_still_applies(name):
    """tools/breaks.py makes the break to see a claim catch it: the code it breaks must still be there."""
    broken = getattr(claims_module(name), "BREAK", None)
    assert broken is not None, f"tests/claims/test_{name}.py has no BREAK"
    broken.apply(NOTEBOOKS[name])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_lesson_holds_no_test_machinery(name):
    machinery = []
    for index, cell in enumerate(NOTEBOOKS[name].cells):
        if re.search(r"NBVAL", cell.source):
            machinery.append(f"cell {index}: an NBVAL comment (use a cell tag)")
        if "regression-check" in cell.metadata.get("tags", []):
            machinery.append(f"cell {index}: a regression-check cell (move it to tests/claims/)")
    assert not machinery, "\n".join(machinery)


def _set_up_cell(notebook):
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def test_every_notebook_starts_with_the_same_set_up_cell():
    """Colab's set-up is tested on one notebook (tests/test_binder.py): the others must start the same way."""
    first, *others = NOTEBOOKS
    different = [name for name in others if _set_up_cell(NOTEBOOKS[name]).source
                 != _set_up_cell(NOTEBOOKS[first]).source]
    assert not different, f"set-up cells that differ from {first}'s: {different}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_figure_has_a_text_alternative(name):
    """One description per stored figure, in the cell's vaecourse.alt metadata (tools/build_site.py reads it)."""
    from tools.build_site import image_outputs

    problems = []
    for cell in NOTEBOOKS[name].cells:
        if cell.cell_type != "code" or any(tag.startswith("explorer:") for tag in cell.metadata.get("tags", [])):
            continue
        alts = cell.metadata.get("vaecourse", {}).get("alt", [])
        if len(alts) != len(image_outputs(cell)) or not all(len(alt) > 20 for alt in alts):
            problems.append(f"cell {cell.get('id')}: {len(image_outputs(cell))} figure(s), descriptions {alts}")
    assert not problems, "\n".join(problems)
