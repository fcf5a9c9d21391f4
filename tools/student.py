"""Write the student edition: the same lessons without the exercises' solutions.

    python -m tools.student            write student/NN_name.ipynb from notebooks/
    python -m tools.student --check    exit 1 if student/ differs from what it would write

The student edition is made from the lessons, never edited by hand: a code
cell tagged ``solution`` is left out, a Markdown solution (a ``<details>``
block whose summary is "Solution") is cut from its cell, a cell tagged
``exercise`` keeps its code but not its outputs, and a notice under the title
says what is left out. Everything else, outputs included, is the lesson's (the
first cell's Colab badge already opens the student edition), so the student
edition runs exactly where the lesson runs.
"""

import argparse
import copy
import re
import sys

import nbformat

from tools import ROOT

LESSONS, EDITION = ROOT / "notebooks", ROOT / "student"
SOLUTION_TAG, EXERCISE_TAG = "solution", "exercise"
# A worked solution in Markdown, with the blank line that follows it.
SOLUTION_TEXT = re.compile(r"<details><summary>Solution</summary>.*?</details>\n?\n?", re.DOTALL)
NOTICE = ("> **Student edition.** The exercises' worked solutions are left out. The full edition, with them, is in "
          "the course's `notebooks/` folder and on its website.\n\n")


def student_edition(lesson):
    """The student edition of one lesson (an nbformat notebook); the lesson itself is left as it was."""
    edition = copy.deepcopy(lesson)
    cells = []
    for cell in edition.cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = SOLUTION_TEXT.sub("", cell.source).rstrip("\n")
            if not cell.source.strip():
                continue  # a cell that held only a solution
        if EXERCISE_TAG in tags and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    first = next(cell for cell in cells if cell.cell_type == "markdown")
    title, _, rest = first.source.partition("\n\n")
    first.source = f"{title}\n\n{NOTICE}{rest}"
    edition.cells = cells
    return edition


def editions():
    """{path in student/: the text that belongs there}, for every lesson."""
    return {EDITION / path.name: nbformat.writes(student_edition(nbformat.read(path, as_version=4))) + "\n"
            for path in sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.student", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether student/ is up to date")
    args = parser.parse_args(argv)
    wanted = editions()
    stale = sorted(path.name for path, text in wanted.items() if not path.exists() or path.read_text() != text)
    extra = sorted(path.name for path in EDITION.glob("*.ipynb") if path not in wanted)
    if args.check:
        if stale or extra:
            print(f"student/ is out of date: {', '.join(stale + extra)}. Run: python -m tools.student")
            return 1
        return 0
    EDITION.mkdir(exist_ok=True)
    for path in extra:
        (EDITION / path).unlink()
    for path, text in wanted.items():
        if path.name in stale:
            path.write_text(text)
    print(f"student/: {len(stale)} written, {len(extra)} removed, {len(wanted) - len(stale)} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
