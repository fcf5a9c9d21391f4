"""The latent explorer as people use it: JupyterLab and Voila in Debian's Chromium, driven by Playwright.

Each server starts on a free localhost port and is stopped on exit; every wait
is bounded; a failure says what was on screen and leaves a screenshot in
test-artifacts/. A drag must change the digit without a single message to the
kernel while the pointer moves, and tell the kernel where z ended when it is
released.
"""

import shutil
import sys

import pytest

from tests.harness import ARTIFACTS, TEST_ENV, free_port, jupyter_lab, jupyterlab_url, run_all_cells, server
from tools import ROOT

pytestmark = pytest.mark.browser

NOTEBOOK = "11_latent_explorer.ipynb"


@pytest.fixture
def notebooks(tmp_path):
    """A copy of the notebooks: JupyterLab autosaves, and the repository's files must stay as they are."""
    import nbformat

    copy = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # Without stored outputs, every explorer on the page comes from a live kernel.
    notebook = nbformat.read(copy / NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, copy / NOTEBOOK)
    return copy


def fail_with_screen(page, name, what):
    shot = ARTIFACTS / f"{name}-failure.png"
    page.screenshot(path=str(shot), full_page=True)
    text = page.inner_text("body")[-1500:]
    pytest.fail(f"{what}\nScreenshot: {shot}\nVisible text (end):\n{text}")


def count_kernel_messages(page):
    """Record every websocket frame the page sends (kernel messages travel that way)."""
    sent = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
    return sent


def drag_first_slider_and_check_the_digit(page, name, sent):
    """Drag the first explorer's z1 slider; the digit must change with no kernel message until release."""
    explorer = page.locator(".vaecourse-explorer").first
    slider = explorer.locator("input[type=range]").first
    readout = explorer.locator(".vaecourse-readout")
    try:
        slider.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("() => document.querySelector('.vaecourse-explorer')?.vaecourse?.count > 0",
                               timeout=30_000)
    except Exception:
        fail_with_screen(page, name, "the explorer's slider and digit did not appear")
    slider.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    before = readout.inner_text()
    pixels = "() => document.querySelector('canvas.vaecourse-digit').toDataURL()"
    digit_before = page.evaluate(pixels)
    frames_before = page.evaluate("() => document.querySelector('.vaecourse-explorer').vaecourse.count")
    box = slider.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    during = len(sent)
    for step in range(1, 21):
        page.mouse.move(x + 3 * step, y)
        page.wait_for_timeout(25)
    messages_while_dragging = len(sent) - during
    page.mouse.up()
    page.wait_for_timeout(1000)
    frames = page.evaluate("() => document.querySelector('.vaecourse-explorer').vaecourse.count")
    assert readout.inner_text() != before, f"the slider did not move from {before}"
    assert page.evaluate(pixels) != digit_before, "dragging the slider did not change the digit"
    assert frames - frames_before >= 5, f"only {frames - frames_before} frames drawn during a 20-move drag"
    assert messages_while_dragging == 0, f"{messages_while_dragging} messages sent while dragging"
    assert any("comm_msg" in str(payload) for payload in sent[during:]), "z was not sent when the drag ended"
    shot = ARTIFACTS / f"{name}.png"
    explorer.screenshot(path=str(shot))
    return shot


def test_jupyterlab_explorer_decodes_in_the_browser_while_dragging(browser, notebooks):
    port, token = free_port(), "vaecourse-test"
    command = jupyter_lab(port, token, notebooks.parent / "jupyterlab", "--ServerApp.disable_check_xsrf=True")
    with server(command, f"http://127.0.0.1:{port}/api/status?token={token}", cwd=notebooks, env=TEST_ENV,
                log_name="jupyterlab-server"):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent = count_kernel_messages(page)
        page.goto(jupyterlab_url(port, token, NOTEBOOK), timeout=60_000)
        try:
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            run_all_cells(page)
            page.locator(".vaecourse-explorer").nth(3).wait_for(timeout=300_000)  # the notebook's fourth explorer
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
        except Exception:
            fail_with_screen(page, "jupyterlab", "could not open the notebook and run all cells")
        shot = drag_first_slider_and_check_the_digit(page, "jupyterlab-explorer", sent)
        assert shot.stat().st_size > 5_000


def test_voila_page_explorer_decodes_in_the_browser_while_dragging(browser):
    port = free_port()
    command = [sys.executable, "-m", "voila", "explorer.ipynb", "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    with server(command, f"http://127.0.0.1:{port}/", cwd=ROOT / "app", env=TEST_ENV, log_name="voila-server"):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent = count_kernel_messages(page)
        page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
        try:  # Voila shows the page once every cell has run
            page.locator(".vaecourse-explorer").first.wait_for(timeout=180_000)
        except Exception:
            fail_with_screen(page, "voila", "Voila did not show the explorer page")
        text = page.inner_text("body")
        for command_word in ("python -m", "--export", "make "):
            assert command_word not in text, f"the page shows a developer command ({command_word!r})"
        assert "vae2d" in text and "-150.58" in text, "the model cards are not on the page"
        shot = drag_first_slider_and_check_the_digit(page, "voila-explorer", sent)
        assert shot.stat().st_size > 5_000
