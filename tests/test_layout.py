"""The package's two maps, its docstring and the README's module table, name exactly its modules."""

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
