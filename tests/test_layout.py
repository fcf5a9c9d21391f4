"""The package's two maps, its docstring and the README's module table, name exactly its modules."""

import ast
import importlib
import inspect
import json
import pkgutil
import re

import pytest

import vaecourse
from tools import ROOT

pytestmark = pytest.mark.unit


def _modules():
    return {module.name for module in pkgutil.iter_modules(vaecourse.__path__)}


def test_the_package_docstring_lists_every_module():
    listed = set(re.findall(r"^``(\w+)``", vaecourse.__doc__, flags=re.MULTILINE))
    assert listed == _modules(), f"missing: {_modules() - listed}, not a module: {listed - _modules()}"


def test_the_readme_module_table_lists_every_module():
    listed = set(re.findall(r"^\| `vaecourse\.(\w+)` \|", (ROOT / "README.md").read_text(), flags=re.MULTILINE))
    assert listed == _modules(), f"missing: {_modules() - listed}, not a module: {listed - _modules()}"


def _imported_modules(path, package):
    """The package's modules that a file imports anywhere in it, function bodies included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            parts = (package.split(".")[:len(package.split(".")) + 1 - node.level] if node.level
                     else [])
            target = ".".join([*parts, *(node.module.split(".") if node.module else [])])
            if target == "vaecourse":
                found |= {alias.name for alias in node.names}
            elif target.startswith("vaecourse."):
                found.add(target.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("vaecourse.")}
    return found & _modules()


def test_no_module_imports_one_that_imports_it_back():
    folder = ROOT / "vaecourse"
    graph = {}
    for name in _modules():
        path = folder / name / "__init__.py" if (folder / name).is_dir() else folder / f"{name}.py"
        package = f"vaecourse.{name}" if (folder / name).is_dir() else "vaecourse"
        graph[name] = _imported_modules(path, package) - {name}
    assert graph["training"] >= {"data", "models"} and "training" in graph["pretrained"]  # the walk sees imports

    def cycle_from(start, path):
        for following in sorted(graph[path[-1]]):
            if following == start:
                return [*path, start]
            if following not in path and (found := cycle_from(start, [*path, following])):
                return found
        return None

    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(name, [name]))]
    assert not cycles, f"import cycles (lazy imports included): {cycles}"


def _public_objects():
    for module in sorted(_modules()):
        imported = importlib.import_module(f"vaecourse.{module}")
        for name, value in vars(imported).items():
            if (not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
                    and value.__module__ == imported.__name__):
                yield module, name, value


def _first_notebook_using(module, name, code_by_notebook):
    for number, code in code_by_notebook.items():
        from_import = re.search(rf"from vaecourse\.{module} import (\([^)]*|[^\n]*)\b{name}\b", code)
        as_attribute = (re.search(rf"from vaecourse import [^\n]*\b{module}\b", code)
                        and re.search(rf"\b{module}\.{name}\b", code))
        if from_import or as_attribute:
            return number
    return None


def test_every_public_function_a_lesson_uses_names_the_first_lesson_that_uses_it():
    code_by_notebook = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
        code_by_notebook[path.name[:2]] = "\n".join(code)
    wrong = {}
    for module, name, value in _public_objects():
        first = _first_notebook_using(module, name, code_by_notebook)
        said = re.findall(r"First used in notebook (\d\d)\.", inspect.getdoc(value) or "")
        if said != ([first] if first else []):
            wrong[f"{module}.{name}"] = (first, said)
    assert len(code_by_notebook) == 12
    assert not wrong, f"(first notebook that uses it, what its docstring says): {wrong}"


def test_every_name_the_lessons_import_or_mention_from_the_package_exists():
    """Solutions in the exercises' Markdown and the lessons' prose import and name package functions too."""
    missing = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
        for module, in_brackets, on_the_line in re.findall(r"from vaecourse\.(\w+) import (?:\(([^)]*)\)|([^\n]*))",
                                                             text):
            imported = importlib.import_module(f"vaecourse.{module}")
            names = re.findall(r"\w+", (in_brackets or on_the_line).split("#")[0])
            missing += [f"{path.name}: vaecourse.{module}.{name}" for name in names if not hasattr(imported, name)]
        for module, name in re.findall(r"`vaecourse\.(\w+)\.(\w+)", text):
            if not hasattr(importlib.import_module(f"vaecourse.{module}"), name):
                missing.append(f"{path.name}: vaecourse.{module}.{name}")
    assert not missing, missing
