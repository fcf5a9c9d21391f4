"""How fast does the latent explorer answer a drag? Prints figures; asserts nothing.

    python -m bench.explorer_speed            (make bench runs it after bench.train_speed)

The figure is the one a hand feels: from a pointer move on the z1 slider to
the new digit painted, in Debian's Chromium driven by Playwright, over 60
moves (median and p95). The explorer itself stamps both ends: the pointer
event's time and the end of the paint of the frame it caused. Between moves
the bench waits for that frame, as a slow drag does. Side by side, in one run:

* the browser explorer (the default: explorer.js decodes in the page), and
* the kernel-side explorer (``decode_in="kernel"``: each move goes to the
  kernel, which decodes and sends the frame back, as the explorers did before),

each in three settings: JupyterLab with the kernel on localhost; JupyterLab
behind a local proxy that holds every chunk 50 ms each way (100 ms added to a
round trip, like a kernel on Binder; nothing leaves the machine); and the
static course site, which has no kernel. It also counts the websocket messages
the page sends while the pointer moves (the browser explorer should send none).
Model: the pretrained 2-D VAE (dense, 2 -> 256 -> 512 -> 784).
Targets (issue 13): p95 <= 16 ms for the browser explorer in every setting,
and zero kernel messages per move.
"""

import os
import statistics
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import nbformat
import numpy as np
from jupyter_client.manager import start_new_kernel

from tests.harness import (
    TEST_ENV,
    chromium_path,
    delayed_proxy,
    free_port,
    jupyter_lab,
    jupyterlab_url,
    launch_chromium,
    run_all_cells,
    server,
    static_server,
)
from tools import build_site

MOVES = 60
ADDED_DELAY_S = 0.050  # each way
TOKEN = "vaecourse-bench"

SET_UP = """
from vaecourse import pretrained
from vaecourse.widgets import LatentExplorer
vae = pretrained.load("vae2d")
"""
EXPLORERS = {  # what each cell of the bench notebook shows, in this order on the page
    "browser explorer": "display(LatentExplorer(vae.decoder))",
    "kernel-side explorer": 'display(LatentExplorer(vae.decoder, decode_in="kernel"))',
}


def startup_seconds():
    """Fresh kernel to a usable explorer with its map of encoded digits (3 runs)."""
    code = SET_UP + ("from vaecourse.data import load_mnist\nmnist = load_mnist(verbose=False)\n"
                     "display(LatentExplorer(vae.decoder, encoder=vae.encoder, images=mnist.x_test, "
                     "labels=mnist.y_test))\n")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3", env={**os.environ, **TEST_ENV})
        try:
            reply = client.execute_interactive(code, timeout=300)
            assert reply["content"]["status"] == "ok", reply["content"]
            runs.append(time.perf_counter() - start)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    return runs


def drag(page, explorer_index, sent):
    """60 slow moves on one explorer's z1 slider: latencies in ms, and messages sent while moving."""
    explorer = page.locator(".vaecourse-explorer").nth(explorer_index)
    slider = explorer.locator("input[type=range]").first
    slider.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    probe = f"document.querySelectorAll('.vaecourse-explorer')[{explorer_index}].vaecourse"
    box = slider.bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.wait_for_timeout(500)
    before, latencies = len(sent), []
    for i in range(MOVES):
        count = page.evaluate(f"{probe}.count")
        x += 2 if (i // 20) % 2 == 0 else -2  # back and forth
        page.mouse.move(x, y)
        page.wait_for_function(f"{probe}.count > {count}", timeout=10_000)
        frame = page.evaluate(f"{probe}.frames.at(-1)")
        latencies.append(frame["painted"] - frame["input"])
        page.wait_for_timeout(20)
    messages = len(sent) - before
    page.mouse.up()
    return np.asarray(latencies), messages


def jupyterlab_figures(browser, delay_s):
    folder = Path(tempfile.mkdtemp())
    cells = [nbformat.v4.new_code_cell(SET_UP), *(nbformat.v4.new_code_cell(code) for code in EXPLORERS.values())]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, folder / "bench.ipynb")
    port = free_port()
    command = jupyter_lab(port, TOKEN, folder / "jupyterlab")
    with (server(command, f"http://127.0.0.1:{port}/api/status?token={TOKEN}", cwd=folder, env=TEST_ENV,
                 log_name="bench-jupyterlab"),
          (delayed_proxy(port, delay_s) if delay_s else nullcontext(port)) as proxy_port):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent = []
        page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
        page.goto(jupyterlab_url(proxy_port, TOKEN, "bench.ipynb"), timeout=120_000)
        run_all_cells(page)
        page.wait_for_function("() => [...document.querySelectorAll('.vaecourse-explorer')]"
                               ".filter(e => e.vaecourse?.count > 0).length === 2", timeout=180_000)
        results = {name: drag(page, i, sent) for i, name in enumerate(EXPLORERS)}
        page.close()
    return results


def site_figures(browser):
    out = build_site.build(Path(tempfile.mkdtemp()) / "site")
    with static_server(out, log_name="bench-site") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "11_latent_explorer.html")
        page.wait_for_function("() => document.querySelector('.vaecourse-explorer')?.vaecourse?.count > 0")
        result = drag(page, 0, [])
        page.close()
    return {"browser explorer": result}


def main():
    print(f"Latent explorer: pointer move to new digit painted, {MOVES} moves (pretrained vae2d, 2 CPU cores)\n")
    runs = startup_seconds()
    print(f"fresh kernel to usable explorer: median {statistics.median(runs):.1f} s "
          f"(runs: {', '.join(f'{s:.1f}' for s in runs)}); target <= 10 s\n")
    if chromium_path() is None:
        print("browser figures: skipped (no Chromium; install Debian's chromium)")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        settings = {"JupyterLab, kernel on localhost": jupyterlab_figures(browser, 0.0),
                    f"JupyterLab, +{2 * ADDED_DELAY_S * 1000:.0f} ms round trip": jupyterlab_figures(browser,
                                                                                            ADDED_DELAY_S),
                    "static site (no kernel)": site_figures(browser)}
        browser.close()
    print(f"{'setting':34s} {'explorer':22s} {'median ms':>10s} {'p95 ms':>8s} {'messages/move':>14s}")
    for setting, results in settings.items():
        for name in EXPLORERS:
            if name not in results:
                print(f"{setting:34s} {name:22s} {'(needs a kernel)':>34s}")
                continue
            latencies, messages = results[name]
            print(f"{setting:34s} {name:22s} {np.median(latencies):10.1f} {np.percentile(latencies, 95):8.1f} "
                  f"{messages / MOVES:14.2f}")
    print("\ntargets: browser explorer p95 <= 16 ms in every setting, 0 messages per move")


if __name__ == "__main__":
    main()
