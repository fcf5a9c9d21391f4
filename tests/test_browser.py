"""The latent explorer as people use it: JupyterLab and Voila in Debian's Chromium, driven by Playwright.

Each server starts on a free localhost port and is stopped on exit; every wait
is bounded; a failure says what was on screen and leaves a screenshot in
test-artifacts/. Without Chromium the test is skipped with a hint, except in
CI (CI=true), where a missing browser is a failure.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "07_latent_explorer.ipynb"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        message = ("Chromium not found: install it (Debian/Ubuntu: sudo apt-get install chromium) "
                   "or set CHROMIUM=/path/to/chromium to run the browser test.")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def notebooks(tmp_path):
    """A copy of the notebooks: JupyterLab autosaves, and the repository's files must stay as they are."""
    import nbformat

    copy = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # Without stored outputs and widget state, every explorer on the page comes from a live kernel.
    notebook = nbformat.read(copy / NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, copy / NOTEBOOK)
    return copy


@contextmanager
def server(command, url, cwd, timeout=90):
    """Start a server in its own process group, wait until url answers, stop it on exit."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{Path(command[2]).name}-server.log"
    env = {**os.environ, "VAECOURSE_MNIST": "subset", "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{command[2]} exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{command[2]} did not answer within {timeout} s:\n{log_path.read_text()[-2000:]}")
                    time.sleep(0.5)
            yield
        finally:
            stop(process)


def stop(process):
    """Stop a server and its kernels (its whole process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def fail_with_screen(page, name, what):
    shot = ARTIFACTS / f"{name}-failure.png"
    page.screenshot(path=str(shot), full_page=True)
    text = page.inner_text("body")[-1500:]
    pytest.fail(f"{what}\nScreenshot: {shot}\nVisible text (end):\n{text}")


def drag_first_slider_and_check_the_digit(page, name):
    """Drag the first slider handle with the mouse; the digit image must change and be visible.

    Called once the whole notebook has run, so that nothing but the drag changes the image.
    """
    digit = page.locator("img.vaecourse-digit").first
    handle = page.locator(".widget-slider .noUi-handle").first
    readout = page.locator(".widget-slider .widget-readout").first
    try:
        handle.wait_for(state="visible", timeout=30_000)
        page.wait_for_function(
            "() => { const img = document.querySelector('img.vaecourse-digit');"
            " return img && img.complete && img.naturalWidth > 0; }", timeout=30_000)
    except Exception:
        fail_with_screen(page, name, "the explorer's slider and digit image did not appear")
    value_before = readout.inner_text()
    before = digit.get_attribute("src")
    for _ in range(3):  # JupyterLab may still re-lay out the page under the pointer: try again, boundedly
        handle.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        direction = -1 if x > readout.bounding_box()["x"] - 40 else 1  # drag towards the free side
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(x + direction * 6 * step, y)
            page.wait_for_timeout(30)
        page.mouse.up()
        page.wait_for_timeout(300)
        if readout.inner_text() != value_before:
            break
    try:
        page.wait_for_function(
            "(before) => { const img = document.querySelector('img.vaecourse-digit');"
            " return img.getAttribute('src') !== before && img.complete && img.naturalWidth > 0; }",
            arg=before, timeout=20_000)
    except Exception:
        fail_with_screen(page, name, "dragging the slider did not change the digit image")
    assert readout.inner_text() != value_before, f"the slider did not move from {value_before}"
    shown = digit.bounding_box()
    assert shown and shown["width"] >= 100 and shown["height"] >= 100, f"digit image not shown: {shown}"
    shot = ARTIFACTS / f"{name}.png"
    digit.scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    return shot


def test_jupyterlab_explorer_responds_to_dragging(browser, notebooks):
    port, token = free_port(), "vaecourse-test"
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               "--allow-root", f"--IdentityProvider.token={token}", "--ServerApp.disable_check_xsrf=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with server(command, f"http://127.0.0.1:{port}/api/status?token={token}", cwd=notebooks):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={token}", timeout=60_000)
        try:
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            # Run only once the kernel is up: cells sent to a kernel still starting can be lost.
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            page.get_by_text("one z, ten different digits: True").wait_for(timeout=180_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        except Exception:
            fail_with_screen(page, "jupyterlab", "could not open the notebook and run all cells")
        shot = drag_first_slider_and_check_the_digit(page, "jupyterlab-explorer")
        assert shot.stat().st_size > 10_000


def test_voila_page_explorer_responds_to_dragging(browser, notebooks):
    port = free_port()
    command = [sys.executable, "-m", "voila", NOTEBOOK, "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    with server(command, f"http://127.0.0.1:{port}/", cwd=notebooks):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
        try:  # Voila shows the page once every cell has run
            page.get_by_text("one z, ten different digits: True").wait_for(timeout=180_000)
        except Exception:
            fail_with_screen(page, "voila", "Voila did not show the executed notebook")
        shot = drag_first_slider_and_check_the_digit(page, "voila-explorer")
        assert shot.stat().st_size > 10_000
