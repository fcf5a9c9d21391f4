"""pyproject.toml's ranges are true: the unit tests pass with the lowest versions they allow.

In an environment of its own (test-artifacts/lowest/), uv installs vaecourse with
the lowest versions of its direct dependencies (``--resolution lowest-direct``),
then the test tools at their newest, and the unit tier runs there. That takes a
few minutes, most of them the unit tests: ``make test`` makes it in the background
after the full-size notebook runs (BACKGROUND, conftest.py), and this test waits for it.
``make test-lowest`` runs this test alone.
"""

import shutil
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests import runs
from tests.harness import ARTIFACTS, ROOT
from tools import lock

pytestmark = pytest.mark.environment

LOWEST = ARTIFACTS / "lowest"
TEST_TOOLS = ["pytest", "psutil", "nbformat", "nbclient", "ipykernel", "packaging"]


def lowest_versions_run():
    """Build the lowest environment and run the unit tier in it: (the step that failed or None, its output)."""
    shutil.rmtree(LOWEST, ignore_errors=True)
    python = str(LOWEST / "bin" / "python")
    uv = [sys.executable, "-m", "uv"]
    steps = {
        "make the environment": [*uv, "venv", "--quiet", "--python", sys.executable, str(LOWEST)],
        "install the lowest versions": [*uv, "pip", "install", "--quiet", "--python", python,
                                        "--resolution", "lowest-direct", "-e", str(ROOT)],
        "add the test tools": [*uv, "pip", "install", "--quiet", "--python", python, *TEST_TOOLS],
        "list the versions": [*uv, "pip", "freeze", "--python", python],
        "run the unit tests": [python, "-m", "pytest", "-p", "no:nbval", "-o", "addopts=", "-q", "-m", "unit"],
    }
    output = ""
    for step, command in steps.items():
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        output = result.stdout + result.stderr
        if step == "list the versions":
            (LOWEST / "versions.txt").write_text(output)
        if result.returncode != 0:
            return step, output
    return None, output


BACKGROUND = {"lowest versions": lowest_versions_run}


def test_the_unit_tests_pass_with_the_lowest_versions_pyprojects_ranges_allow():
    failed, output = runs.in_background("lowest versions", lowest_versions_run).result()
    assert failed is None, f"{failed} failed:\n{output[-4000:]}"
    installed = {name: Version(next(iter(entries))[0])
                 for name, entries in lock.pins((LOWEST / "versions.txt").read_text()).items()}
    for line in lock.pyproject()["dependencies"]:
        requirement = Requirement(line)
        lowest = min(Version(spec.version) for spec in requirement.specifier if spec.operator == ">=")
        got = installed[canonicalize_name(requirement.name)]
        assert got.release[:len(lowest.release)] == lowest.release, f"{requirement.name} {got}, not the lowest {lowest}"
