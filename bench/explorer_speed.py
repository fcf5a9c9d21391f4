"""How fast does the latent explorer answer? Prints figures; asserts nothing.

    python bench/explorer_speed.py            (make bench runs it after bench/train_speed.py)

1. Fresh kernel to a usable explorer: start a kernel, import vaecourse, load
   the pretrained 2-D VAE and draw the explorer with its map (median of 3).
2. Kernel side, per slider move, inside a real kernel: the value arrives as
   the browser sends it (``set_state``), the decoder runs, the PNG is encoded
   and the image widget updated; against the naive baseline of
   ``model.predict`` plus a new matplotlib figure saved as PNG, in the same
   kernel. The two alternate in rounds (a drag of 100 explorer moves, then 14
   naive moves, three times), so that both meet the same machine noise while
   each runs as a drag does: move after move. (Interleaving single moves
   instead charges the explorer for the baseline's matplotlib garbage and
   cold caches: about 0.4 ms a move here.) Median and p95, and their ratio.
3. Browser round trip in Debian's Chromium (Voila page): from a mouse move on
   the slider handle to the new digit decoded and painted, over 60 moves.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MOVES, NAIVE_MOVES, ROUNDS, BROWSER_MOVES = 300, 42, 3, 60

SET_UP = """
import os
os.environ["VAECOURSE_MNIST"] = "subset"
from vaecourse import pretrained
from vaecourse.data import load_mnist
from vaecourse.widgets import LatentExplorer
vae = pretrained.load("vae2d")
mnist = load_mnist(verbose=False)
explorer = LatentExplorer(vae.decoder, encoder=vae.encoder, images=mnist.x_test, labels=mnist.y_test)
display(explorer)
"""

KERNEL_SIDE = f"""
import io, json, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

explorer.min_interval = 0  # time every move; in use, moves closer than 15 ms are coalesced
slider, decoder = explorer.sliders[0], vae.decoder

def naive_move(value):
    logits = decoder.predict(np.array([[value, 0.0]], "float32"), verbose=0)
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(tf.sigmoid(logits)[0, ..., 0], cmap="gray_r")
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    explorer.image.value = buffer.getvalue()

fast, naive = [], []
values = np.linspace(-3, 3, {MOVES // ROUNDS})
for _ in range({ROUNDS}):
    for value in values:  # a drag across the slider
        start = time.perf_counter()
        slider.set_state({{"value": float(value)}})
        fast.append(time.perf_counter() - start)
    for value in values[::len(values) // {NAIVE_MOVES // ROUNDS}][:{NAIVE_MOVES // ROUNDS}]:
        start = time.perf_counter()
        naive_move(float(value))
        naive.append(time.perf_counter() - start)
print(json.dumps({{"fast": fast, "naive": naive, "renders": explorer.renders}}))
"""


def run(client, code, timeout=300):
    """Execute code in the kernel; return its stdout, raise on error."""
    out = []

    def collect(message):
        if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
            out.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            raise RuntimeError("\n".join(message["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=timeout, output_hook=collect)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(reply["content"])
    return "".join(out)


def ms(values):
    values = np.asarray(values) * 1000
    return np.median(values), np.percentile(values, 95)


def kernel_figures():
    startups, timings = [], None
    for attempt in range(3):
        start = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        try:
            run(client, SET_UP)
            startups.append(time.perf_counter() - start)
            if attempt == 0:
                import json

                timings = json.loads(run(client, KERNEL_SIDE).strip().splitlines()[-1])
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    return startups, timings


def browser_figures():
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM_FLAGS, chromium_path, free_port, server

    executable = chromium_path()
    if executable is None:
        return None
    import tempfile

    import nbformat

    folder = Path(tempfile.mkdtemp())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SET_UP)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "explorer.ipynb")
    port = free_port()
    command = [sys.executable, "-m", "voila", "explorer.ipynb", "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1"]
    latencies = []
    with server(command, f"http://127.0.0.1:{port}/", cwd=folder), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
        page.locator(".widget-slider .noUi-handle").first.wait_for(timeout=180_000)
        page.wait_for_function("() => document.querySelector('img.vaecourse-digit')?.naturalWidth > 0")
        # Time stamps in the page: each pointer move, and each new digit once decoded and painted.
        page.evaluate("""() => {
            const img = document.querySelector('img.vaecourse-digit');
            window.bench = {moves: [], frames: []};
            document.addEventListener('pointermove', () => window.bench.moves.push(performance.now()), true);
            new MutationObserver(() => img.decode().then(() => requestAnimationFrame(
                () => window.bench.frames.push(performance.now())))).observe(img, {attributeFilter: ['src']});
        }""")
        handle = page.locator(".widget-slider .noUi-handle").first
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(BROWSER_MOVES):
            step = 2 if (i // 25) % 2 == 0 else -2  # back and forth along the slider
            frames = page.evaluate("window.bench.frames.length")
            x += step
            page.mouse.move(x, y)
            moved = page.evaluate("window.bench.moves[window.bench.moves.length - 1]")
            page.wait_for_function(f"window.bench.frames.length > {frames}", timeout=5_000)
            latencies.append(page.evaluate(f"window.bench.frames[{frames}]") - moved)
            page.wait_for_timeout(20)  # a hand drags at about 50 moves per second
        page.mouse.up()
        browser.close()
    return np.asarray(latencies) / 1000


def main():
    print("Latent explorer speed (pretrained vae2d, 2 CPU cores)\n")
    startups, timings = kernel_figures()
    print(f"fresh kernel to usable explorer: median {statistics.median(startups):.1f} s "
          f"(runs: {', '.join(f'{s:.1f}' for s in startups)}); target <= 10 s")
    fast, naive = ms(timings["fast"]), ms(timings["naive"])
    print(f"kernel side per slider move ({len(timings['fast'])} moves, {timings['renders']} frames drawn):")
    print(f"  explorer (tf.function + PNG + widget): median {fast[0]:6.2f} ms   p95 {fast[1]:6.2f} ms")
    print(f"  naive (predict + matplotlib figure):   median {naive[0]:6.2f} ms   p95 {naive[1]:6.2f} ms "
          f"({len(timings['naive'])} moves)")
    print(f"  speed-up of the median: {naive[0] / fast[0]:.0f}x; targets: median <= 2 ms, >= 20x")
    latencies = browser_figures()
    if latencies is None:
        print("browser round trip: skipped (no Chromium; install Debian's chromium)")
        return
    trip = ms(latencies)
    print(f"browser round trip, pointer move to new digit painted ({len(latencies)} moves): "
          f"median {trip[0]:.1f} ms   p95 {trip[1]:.1f} ms; target median <= 50 ms")


if __name__ == "__main__":
    main()
