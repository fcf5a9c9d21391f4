"""Re-run notebooks and store their outputs, the way the regression tests will see them.

    python tests/refresh_notebooks.py [notebooks/NN_name.ipynb ...]   (default: all)

Runs each notebook in a fresh kernel of this environment with the offline MNIST
subset (the outputs nbval compares were made with it), drops TensorFlow's
start-up log lines from stderr (they differ on every run and mean nothing to a
reader), and prints each notebook's run time and its kernel's peak memory.
Run it after changing a notebook or upgrading a library, then review the diff.
"""

import os
import re
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# "WARNING: All log messages before absl::InitializeLog() ..." and "I0000 00:00:1795... 4496 port.cc:153] ..."
TF_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} \S+\s+\d+ [\w.]+:\d+\]).*\n?", re.M)


def _peak_rss(client, stop, peak):
    """Poll the kernel's resident memory (with its children) until told to stop."""
    while not stop.is_set():
        try:
            pid = client.km.provisioner.process.pid
            process = psutil.Process(pid)
            rss = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
            peak[0] = max(peak[0], rss)
        except (AttributeError, psutil.Error):
            pass
        time.sleep(0.2)


def refresh(path):
    notebook = nbformat.read(path, as_version=4)
    # No per-cell timestamps: they would change every line of the diff a reviewer reads.
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), [0]
    start = time.perf_counter()
    with client.setup_kernel():
        watcher = threading.Thread(target=_peak_rss, args=(client, stop, peak), daemon=True)
        watcher.start()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        client.set_widgets_metadata()  # stored widget state lets a saved notebook show its explorers
        stop.set()
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = TF_LOG_LINE.sub("", output.text)
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and not o.text.strip())]
    nbformat.write(notebook, path)
    return seconds, peak[0] / 2**30


def main(paths):
    os.environ["VAECOURSE_MNIST"] = "subset"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    total = 0.0
    for path in paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        seconds, gib = refresh(Path(path).resolve())
        total += seconds
        print(f"{Path(path).name:45s} {seconds:6.1f} s   peak kernel memory {gib:.2f} GiB", flush=True)
    print(f"{'total':45s} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
