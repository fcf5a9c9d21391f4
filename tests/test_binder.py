"""The course where students run it with nothing installed: binder/postBuild, and Colab's set-up cell.

(Binder's 2 GB: tests/test_binder_memory.py.)

* binder/postBuild, run in a clean environment with the locked dependencies
  (what binder/environment.yml gives) and its one download replaced by the
  stand-in, installs the package, configures JupyterLab and leaves full MNIST
  where load_mnist finds it.
* Colab and bare Jupyter servers: in a fresh environment that has TensorFlow
  but not vaecourse, started outside the checkout, the first cell of each
  notebook installs the package (from this checkout, named by
  VAECOURSE_INSTALL_FROM) and notebook 00 runs top to bottom. Every notebook
  starts with the same set-up cell (a unit test checks it), so one is enough.

The clean environments are made with uv from its cache, with the versions of
constraints.txt.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.harness import (
    TEST_ENV,
)
from tools import ROOT
from tools.notebooks import full_mnist_env


def _clean_environment(folder):
    """A venv with the locked dependencies of the course and JupyterLab (binder/environment.yml), no vaecourse."""
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--seed", "--quiet", "--python", sys.executable, str(folder)], check=True)
    python = folder / "bin" / "python"
    locked = [line.strip()[2:] for line in (ROOT / "binder" / "environment.yml").read_text().splitlines()
              if line.strip().startswith("- ") and "==" in line]
    subprocess.run([*uv, "pip", "install", "--quiet", "--python", str(python), *locked], check=True)
    return python


def _environment_of(python, **extra):
    """os.environ with ``python``'s venv first on the PATH (as if activated) and the tests' settings."""
    env = {**os.environ, **TEST_ENV, "PATH": f"{python.parent}:{os.environ['PATH']}", "VIRTUAL_ENV": "", **extra}
    env.pop("KERAS_HOME", None)
    return env


@pytest.mark.environment
def test_postbuild_installs_the_package_configures_jupyterlab_and_caches_full_mnist(tmp_path):
    python = _clean_environment(tmp_path / "binder-env")
    standin = full_mnist_env()["KERAS_HOME"] + "/datasets/mnist.npz"
    download = 'python -c "import keras; keras.datasets.mnist.load_data()"'
    script = (ROOT / "binder" / "postBuild").read_text()
    assert script.count(download) == 1, "postBuild's download line changed: update this test"
    (tmp_path / "postBuild").write_text(
        script.replace(download, f'mkdir -p "$HOME/.keras/datasets" && cp "{standin}" "$HOME/.keras/datasets/"'))
    env = _environment_of(python, HOME=str(tmp_path / "home"), VAECOURSE_MNIST="")
    result = subprocess.run(["bash", str(tmp_path / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    check = ("import sys; from vaecourse.data import load_mnist; m = load_mnist(); "
             "print(len(m.x_train), len(m.x_test)); print(sys.prefix)")
    loaded = subprocess.run([str(python), "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "Using full MNIST" in loaded.stdout and "60000 10000" in loaded.stdout, loaded.stdout
    prefix = loaded.stdout.strip().splitlines()[-1]
    overrides = json.loads(open(os.path.join(prefix, "share/jupyter/lab/settings/overrides.json")).read())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["kernelShutdown"] is True
    server_config = os.path.join(prefix, "etc/jupyter/jupyter_server_config.d/vaecourse.json")
    assert json.loads(open(server_config).read())["MappingKernelManager"]["cull_idle_timeout"] > 0


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """Like Colab: TensorFlow and friends are there, vaecourse is not."""
    return _clean_environment(tmp_path_factory.mktemp("colab") / "venv")


@pytest.mark.environment
def test_the_first_cell_installs_the_package_where_it_is_missing(bare_python, tmp_path):
    import nbformat

    env = _environment_of(bare_python, VAECOURSE_INSTALL_FROM=str(ROOT))
    version = "import tensorflow as tf; print(tf.__version__)"
    tensorflow_before = subprocess.run([str(bare_python), "-c", version], env=env, capture_output=True, text=True)
    notebook = tmp_path / "00_start_here.ipynb"  # outside the checkout: nothing to import from by accident
    notebook.write_text((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    result = subprocess.run([str(bare_python), "-m", "jupyter", "execute", "--inplace", "--timeout=600",
                             str(notebook)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    executed = nbformat.read(notebook, as_version=4)
    set_up = next(cell for cell in executed.cells if cell.cell_type == "code")
    printed = "".join(output.get("text", "") for output in set_up.outputs)
    assert "installed vaecourse" in printed and f"from {ROOT}" in printed, printed
    assert f"with TensorFlow {tensorflow_before.stdout.strip()}" in printed, "the installed TensorFlow was replaced"
