"""What a student sees is the lesson: no log noise, no test variables, no stale facts in the stored outputs.

* A kernel as `make lab` and Binder start it (the kernelspec binder/configure
  installs, the environment of the shell, none of the tests' settings) writes
  nothing to stderr, which JupyterLab paints red: neither in notebook 00's first
  cells nor in a student's own notebook that imports TensorFlow first.
* The stored outputs, which GitHub, Colab and the site show, mention no test
  variable and no version other than the package's own.
* The first cell installs the course's tagged release where it is missing, and
  says to restart when pip replaced a library the kernel had already imported.
"""

import re
import sys
import types

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

import vaecourse
from tests.harness import START_ENV
from tools.notebooks import NOTEBOOKS, course_notebooks
from vaecourse import install

STUDENT_ENV = {name: value for name, value in START_ENV.items() if not name.startswith(("TF_", "VAECOURSE_"))}


def _stderr_of(code_cells):
    """Run the cells in a fresh kernel of make lab's kernelspec and environment; return what reached stderr."""
    manager, client = start_new_kernel(kernel_name="python3", env=STUDENT_ENV, cwd=str(NOTEBOOKS))
    stderr = []

    def keep(message):
        if message["msg_type"] == "stream" and message["content"]["name"] == "stderr":
            stderr.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            stderr.append("\n".join(message["content"]["traceback"]))

    try:
        for source in code_cells:
            client.execute_interactive(source, timeout=300, output_hook=keep)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return "".join(stderr)


@pytest.mark.environment
def test_the_first_cells_of_the_course_write_nothing_to_stderr():
    notebook = nbformat.read(NOTEBOOKS / "00_start_here.ipynb", as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    loads = next(i for i, source in enumerate(code) if "load_mnist(" in source and "import" not in source)
    assert _stderr_of(code[:loads + 1]) == ""


@pytest.mark.environment
def test_a_students_own_notebook_that_imports_tensorflow_first_writes_nothing_to_stderr():
    assert _stderr_of(["import tensorflow as tf", "tf.config.list_physical_devices('GPU')",
                       "print(float(tf.reduce_sum(tf.ones(3))))"]) == ""


# "(VAECOURSE_MNIST=subset)", a test machine's paths or test harness names: nothing a student set or needs.
TEST_TRACES = re.compile(r"VAECOURSE_|KERAS_HOME|test-artifacts|/work/|/tmp/|pytest|nbval")


@pytest.mark.unit
@pytest.mark.parametrize("path", course_notebooks(), ids=lambda path: path.stem)
def test_stored_outputs_hold_no_test_environment_and_no_stale_version(path):
    problems = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") + "".join(output.get("data", {}).get("text/plain", ""))
            if match := TEST_TRACES.search(text):
                problems.append(f"cell {index}: {match.group(0)!r} in {text.strip()[:120]!r}")
            for version in re.findall(r"vaecourse\s+(\d+\.\d+\.\d+)", text):
                if version != vaecourse.__version__:
                    problems.append(f"cell {index}: vaecourse {version}, the package is {vaecourse.__version__}")
            if output.get("name") == "stderr":
                problems.append(f"cell {index}: stderr {output['text'].strip()[:120]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.unit
def test_the_first_cell_installs_this_release():
    first = next(cell for cell in nbformat.read(NOTEBOOKS / "00_start_here.ipynb", as_version=4).cells
                 if cell.cell_type == "code")
    assert f"vaecourse@v{vaecourse.__version__}" in first.source, "the set-up cell installs another release"
    assert first.source.rstrip().splitlines()[-1].startswith("import vaecourse")


@pytest.mark.unit
def test_a_library_upgraded_under_a_running_kernel_is_named(monkeypatch, capsys):
    installed = sys.modules["numpy"].__version__
    monkeypatch.setitem(sys.modules, "numpy", types.SimpleNamespace(__version__="0.0.1"))
    assert ("numpy", "0.0.1", installed) in install.stale_modules()
    install.report("somewhere")
    printed = capsys.readouterr().out
    assert "numpy (0.0.1 in memory" in printed and "Restart the kernel" in printed


@pytest.mark.unit
def test_nothing_to_restart_says_nothing_about_restarting(capsys):
    install.report("somewhere")
    printed = capsys.readouterr().out
    assert printed.startswith("installed vaecourse") and "Restart" not in printed


TRAINING_CELL = """
import vaecourse  # first, as in every notebook's set-up cell: before TensorFlow loads
import numpy as np, keras
from vaecourse.progress import Progress
from vaecourse import progress as progress_module
progress_module.UPDATE_SECONDS = 0.0  # redraw at every step, so that a short test sees the line
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
x = np.ones((64, 4), "float32")
model.fit(x, x[:, :1], batch_size=8, epochs=3, verbose=0, callbacks=[Progress(24, "a tiny model")])
print("trained")
"""


@pytest.mark.unit
def test_training_shows_one_line_of_progress_and_leaves_none_behind():
    manager, client = start_new_kernel(kernel_name="python3", env=STUDENT_ENV)
    messages = []
    try:
        client.execute_interactive(TRAINING_CELL, timeout=300, output_hook=messages.append)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    kinds = [message["msg_type"] for message in messages]
    shown = [message for message in messages if message["msg_type"] == "display_data"]
    updates = [message["content"]["data"] for message in messages if message["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and shown[0]["content"]["data"] == {}, "the line starts empty, so nothing is stored"
    assert any(data.get("text/plain", "").startswith("a tiny model: step ") for data in updates), updates[:3]
    assert updates[-1] == {}, "the line was not removed at the end"
    assert "stream" in kinds and not any(message["content"].get("name") == "stderr" for message in messages
                                         if message["msg_type"] == "stream")


@pytest.mark.unit
def test_progress_outside_a_kernel_does_nothing(capsys):
    from vaecourse.progress import Progress

    progress = Progress(3, "a script")
    for _ in range(3):
        progress.advance(logs={"loss": 1.0})
    assert progress.handle is None and capsys.readouterr() == ("", "")
    assert progress.line().startswith("a script: step 3 of 3 (100%)")


@pytest.mark.unit
def test_tensorflow_start_up_notices_are_dropped_and_real_errors_kept():
    from vaecourse.quiet import _is_notice

    assert _is_notice("I0000 00:00:1796586635.060466   31600 cudart_stub.cc:32] Could not find cuda drivers")
    assert _is_notice("E0000 00:00:1796586666.908999   31690 cuda_dnn.cc:8310] Unable to register cuDNN factory: "
                      "Attempting to register factory for plugin cuDNN when one has already been registered")
    assert not _is_notice("E0000 00:00:1796586666.908999   31690 bfc_allocator.cc:291] Allocator ran out of memory")
    assert not _is_notice("Traceback (most recent call last):")
