"""One source for the dependencies: pyproject's ranges hold the lock, and the environment files are the lock."""

import shutil

import pytest

from tests.harness import ROOT
from tools import lock

pytestmark = pytest.mark.unit


def test_lock_and_environment_files_agree():
    assert lock.problems() == []


@pytest.fixture
def copy(tmp_path):
    for name in ("pyproject.toml", lock.LOCK, *lock.ENVIRONMENTS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_environment_file_edited_by_hand_is_caught(copy):
    version = lock.pins((copy / lock.LOCK).read_text())["keras"].pop()[0]
    _edit(copy / "binder/environment.yml", f"keras=={version}", "keras==3.0.0")
    assert lock.problems(copy) == ["binder/environment.yml has keras==3.0.0, which constraints.txt does not"]


def test_a_lock_outside_the_ranges_is_caught(copy):
    _edit(copy / "pyproject.toml", '"pillow>=10"', '"pillow>=99"')
    assert any("outside pyproject's pillow>=99" in line for line in lock.problems(copy))


def test_a_dependency_missing_from_an_environment_is_caught(copy):
    _edit(copy / "pyproject.toml", '"pandas>=2.1",', '"pandas>=2.1",\n    "zarr>=2",')
    found = lock.problems(copy)
    assert "constraints.txt does not pin zarr" in found and "environment.yml lacks zarr" in found
