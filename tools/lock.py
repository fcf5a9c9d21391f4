"""The course's dependencies in one place: ranges in pyproject.toml, the tested set in constraints.txt.

    python -m tools.lock          re-resolve the newest set within the ranges (needs the package index)

pyproject.toml says what the package works with. constraints.txt pins every
package, transitive ones included, to the set that `make`, CI and Binder
install and that the tests pass with (uv resolves it for every platform, with
markers where a platform differs). environment.yml (conda users) and
binder/environment.yml (mybinder.org) are written from it, never by hand:
:func:`problems` finds any drift, and a test calls it.
"""

import re
import subprocess
import sys
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools import ROOT

LOCK = "constraints.txt"
ENVIRONMENTS = {"environment.yml": True, "binder/environment.yml": False}  # file: whether it installs "-e ."
PYTHON = "3.11"
HEADERS = {
    True: ("# conda users: `conda env create -f environment.yml && conda activate vaecourse`,\n"
           "# then `jupyter lab notebooks/00_start_here.ipynb`.\n"),
    False: ("# mybinder.org (repo2docker) builds from this folder and ignores the root environment.yml;\n"
            "# binder/postBuild installs the package itself.\n"),
}
GENERATED = "# Written by `python -m tools.lock` from constraints.txt: the tested versions. Do not edit.\n"
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)(\s*;.*)?$")


def pyproject(root=ROOT):
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def pins(text):
    """{canonical name: {(version, marker), ...}} of the ``name==version ; marker`` lines in ``text``.

    A name can have several lines, one per Python version range (uv forks the resolution there).
    """
    found = {}
    for line in text.splitlines():
        match = PIN.match(line.strip().lstrip("- ").strip())
        if match:
            name = canonicalize_name(match.group(1).split("[")[0])
            found.setdefault(name, set()).add((match.group(2), (match.group(3) or "").strip(" ;")))
    return found


def _tested(entries):
    """The version the tests ran with: the line for Python 3.11 (the first, when uv forked)."""
    return min(entries, key=lambda entry: "3.12" in entry[1])[0]


def _compile(extra, constraints=None):
    command = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", "--extra", extra, "--universal",
               "--python-version", PYTHON, "--no-header", "--no-annotate", "--quiet"]
    if constraints:
        command += ["--constraint", str(constraints)]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def environment_file(lab_lines, editable):
    """A conda environment: Python, pip, and the locked packages of the course and JupyterLab, from pip."""
    lines = [line for line in lab_lines.splitlines() if PIN.match(line.strip())]
    pip = "".join(f"      - {line.strip()}\n" for line in lines) + ("      - -e .\n" if editable else "")
    return (f"{HEADERS[editable]}{GENERATED}name: vaecourse\nchannels:\n  - conda-forge\ndependencies:\n"
            f"  - python={PYTHON}\n  - pip\n  - pip:\n{pip}")


def write():
    (ROOT / LOCK).write_text("# The tested set: `make`, CI and Binder install exactly these (python -m tools.lock).\n"
                             + _compile("test"))
    lab = _compile("lab", constraints=ROOT / LOCK)
    for name, editable in ENVIRONMENTS.items():
        (ROOT / name).write_text(environment_file(lab, editable))


def problems(root=ROOT):
    """What disagrees between pyproject.toml, constraints.txt and the two environment files (a list of lines)."""
    project, locked = pyproject(root), pins((root / LOCK).read_text())
    found = []
    direct = [Requirement(r) for r in project["dependencies"]]
    extras = project["optional-dependencies"]
    direct += [Requirement(r) for group in extras.values() for r in group if not r.startswith("vaecourse")]
    for requirement in direct:
        name = canonicalize_name(requirement.name)
        if name not in locked:
            found.append(f"constraints.txt does not pin {requirement.name}")
        elif not requirement.specifier.contains(_tested(locked[name]), prereleases=True):
            found.append(f"constraints.txt pins {name}=={_tested(locked[name])}, outside pyproject's {requirement}")
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"] + extras["lab"]}
    for name, editable in ENVIRONMENTS.items():
        path = root / name
        listed = pins(path.read_text())
        for package, entries in listed.items():
            # Markers may differ (a package can be needed on fewer platforms by JupyterLab than by the tests).
            for version in sorted({v for v, _ in entries} - {v for v, _ in locked.get(package, set())}):
                found.append(f"{name} has {package}=={version}, which constraints.txt does not")
        for package in sorted(runtime - set(listed)):
            found.append(f"{name} lacks {package}")
        if editable != ("- -e ." in path.read_text()):
            found.append(f"{name} should {'' if editable else 'not '}install the package (-e .)")
    return found


if __name__ == "__main__":
    write()
    print(f"wrote {LOCK} ({len(pins((ROOT / LOCK).read_text()))} packages) and {', '.join(ENVIRONMENTS)}")
    for line in problems():
        print("problem:", line)
