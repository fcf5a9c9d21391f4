"""The student edition: made from the lessons, up to date, without solutions, and runnable where they run."""

import ast
import re

import nbformat
import pytest

from tools import ROOT, build_site, student

pytestmark = pytest.mark.unit


def test_the_committed_student_edition_is_what_the_lessons_make():
    stale = [path.name for path, text in student.editions().items() if not path.exists() or path.read_text() != text]
    assert not stale, f"student/ is out of date for {stale}: run python -m tools.student (make student)"
    assert sorted(path.name for path in student.EDITION.glob("*.ipynb")) == sorted(
        path.name for path in student.LESSONS.glob("[0-9][0-9]_*.ipynb"))


def _lesson_and_edition():
    for path in sorted(student.LESSONS.glob("[0-9][0-9]_*.ipynb")):
        yield nbformat.read(path, as_version=4), nbformat.read(student.EDITION / path.name, as_version=4)


def test_the_student_edition_holds_no_solution_and_every_exercise():
    for lesson, edition in _lesson_and_edition():
        text = "\n".join(cell.source for cell in edition.cells)
        assert "<summary>Solution" not in text
        assert not any(student.SOLUTION_TAG in cell.metadata.get("tags", []) for cell in edition.cells)
        lesson_text = "\n".join(cell.source for cell in lesson.cells)
        exercises = [line for line in lesson_text.splitlines() if line.startswith("**") and ". " in line[:8]]
        assert all(exercise in text for exercise in exercises)


def test_every_badge_opens_the_student_edition():
    """A student who follows a Colab or Binder badge (a lesson's, the README's, the site's) gets no solutions."""
    for path in sorted(student.LESSONS.glob("[0-9][0-9]_*.ipynb")):
        badges = _badge_links(nbformat.read(path, as_version=4).cells[0].source)
        assert badges and all(link.endswith(f"/student/{path.name}") for link in badges), badges
        assert build_site.COLAB.format(name=path.name).endswith(f"/blob/main/student/{path.name}")
        assert build_site.BINDER.format(name=path.name).endswith(f"urlpath=lab/tree/student/{path.name}")
    badges = [link for link in _badge_links((ROOT / "README.md").read_text()) if "/v0." not in link]  # not the
    assert len(badges) == 13 and all("/student/" in link for link in badges), badges  # pinning examples


def _badge_links(markdown):
    """Where the Colab and Binder links of some Markdown lead (not their badges' pictures)."""
    return re.findall(r"\]\((https://(?:colab\.research\.google\.com/github|mybinder\.org/v2)/[^)]*)\)", markdown)


def _names(source, kind):
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)
            and isinstance(node.ctx, kind)}


def _read_but_defined_only_in_solutions(cells):
    """Names a kept code cell reads that, before it, only a ``solution`` cell defined."""
    defined, only_in_solutions, missing = set(), set(), set()
    for cell in (cell for cell in cells if cell.cell_type == "code"):
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))
        if student.SOLUTION_TAG in cell.metadata.get("tags", []):
            only_in_solutions |= _names(source, ast.Store) - defined
        else:
            missing |= _names(source, ast.Load) & only_in_solutions
            defined |= _names(source, ast.Store)
            only_in_solutions -= defined
    return missing


def test_the_student_edition_runs_where_the_lesson_runs():
    """Its code cells are the lesson's, less the solutions, and no kept cell reads what only a solution defines."""
    for lesson, edition in _lesson_and_edition():
        kept = [cell.source for cell in lesson.cells
                if cell.cell_type == "code" and student.SOLUTION_TAG not in cell.metadata.get("tags", [])]
        assert [cell.source for cell in edition.cells if cell.cell_type == "code"] == kept
        assert not _read_but_defined_only_in_solutions(lesson.cells)

    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["solution"]}),
             nbformat.v4.new_code_cell("print(x, y)")]
    assert _read_but_defined_only_in_solutions(cells) == {"y"}


def test_the_tool_cuts_solutions_clears_exercises_and_says_what_it_left_out():
    lesson = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 04 · A lesson\n\n[![Open in Colab](badge.svg)](https://colab.research."
                                      "google.com/github/vaecourse/vaecourse/blob/main/student/04_x.ipynb)"),
        nbformat.v4.new_markdown_cell("**1.** Derive it.\n\n<details><summary>Solution</summary>\n\nIt is 2.\n"
                                      "</details>\n\n**2.** Code it."),
        nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["exercise"]},
                                  outputs=[nbformat.v4.new_output("stream", text="Ellipsis\n")]),
        nbformat.v4.new_code_cell("answer = 2", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("check('04.2', answer)"),
    ])
    edition = student.student_edition(lesson)
    assert [cell.source for cell in edition.cells[1:]] == [
        "**1.** Derive it.\n\n**2.** Code it.", "answer = ...", "check('04.2', answer)"]
    assert edition.cells[2].outputs == []
    assert edition.cells[0].source.startswith("# 04 · A lesson\n\n> **Student edition.**")
    assert len(lesson.cells) == 5 and lesson.cells[2].outputs  # the lesson itself is unchanged
