"""The browser explorer draws what the decoder computes: explorer.js against Keras, in Chromium.

For each architecture the package builds (dense and convolutional, with and
without a label, Bernoulli, Gaussian, sigmoid and linear heads) an explorer's
saved state is served from a plain file server and mounted by explorer.js
exactly as the course site does; the test moves z (and picks digits) through
the widget and compares the image the front end decoded with
``pixel_means(decoder, decoder(z))``, within 1e-5, and the painted canvas
with the same image in 8-bit grey levels. What a screen reader hears of the
digit is the judge's reading of that image, as vaecourse.judge reads it.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.harness import static_server
from vaecourse import judge, models, plots, pretrained, widgets
from vaecourse.likelihoods import pixel_means

pytestmark = pytest.mark.browser

EXPLORER_JS = Path(widgets.__file__).with_name("explorer.js")
TOLERANCE = 1e-5


def _architectures():
    dense = models.build_vae(2, hidden_units=(64, 32), seed=0)[1]
    conv = models.build_vae(2, architecture="conv", filters=(8, 16), hidden_units=(32,), seed=0)[1]
    conditional = models.build_cvae(2, hidden_units=(32,), seed=0)[1]
    conditional_conv = models.build_cvae(3, architecture="conv", filters=(4, 8), hidden_units=(16,), seed=0)[1]
    gaussian = models.build_vae(2, hidden_units=(32,), likelihood="gaussian", seed=0)[1]
    return {
        "dense_bernoulli": dense,
        "conv_bernoulli": conv,
        "dense_conditional": conditional,
        "conv_conditional_3d": conditional_conv,
        "dense_gaussian": gaussian,
        "sigmoid_autoencoder": models.build_decoder(2, hidden_units=(32,)),
        "linear_5d": models.build_linear_autoencoder(5)[1],
        "pretrained_vae2d": pretrained.load("vae2d").decoder,
        "pretrained_cvae2d": pretrained.load("cvae2d").decoder,
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The explorers' saved states and explorer.js on a static file server."""
    folder = tmp_path_factory.mktemp("parity")
    shutil.copy(EXPLORER_JS, folder / "explorer.js")
    decoders = _architectures()
    for name, decoder in decoders.items():
        conditional = len(decoder.inputs) == 2
        explorer = (widgets.ConditionalExplorer(decoder, decode_in="browser") if conditional
                    else widgets.LatentExplorer(decoder, decode_in="browser"))
        state, files = explorer.static_state()
        state["files"] = {}
        for field, data in files.items():
            (folder / f"{name}.{field}.bin").write_bytes(data)
            state["files"][field] = f"{name}.{field}.bin"
        (folder / f"{name}.json").write_text(json.dumps(state))
    (folder / "index.html").write_text("<!doctype html><meta charset=utf-8><div id=explorer></div>")
    with static_server(folder, log_name="parity-server") as url:
        yield url, decoders


def _mount(page, url, name):
    page.goto(url + "index.html")
    page.evaluate("""async (name) => {
        const { mount } = await import('./explorer.js');
        window.explorer = (await mount(document.getElementById('explorer'), name + '.json')).vaecourse;
    }""", name)
    page.wait_for_function("window.explorer.count > 0")


def _show(page, z, digit=None):
    """Move z through the widget (and click a digit); return the decoded image and the canvas pixels."""
    if digit is not None:
        page.locator(".vaecourse-digits button").nth(digit).click()
    z = [float(v) for v in z]
    page.evaluate("(z) => window.explorer.moveTo(z)", z)
    page.wait_for_function("""([z, digit]) => {  // the frame that shows this z and digit
        const last = window.explorer.frames.at(-1);
        return last.z.every((v, i) => v === z[i]) && (digit === null || last.digit === digit);
    }""", arg=[z, digit])
    return page.evaluate("""() => {
        const canvas = document.querySelector('canvas.vaecourse-digit');
        const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        return [Array.from(window.explorer.lastImage), Array.from(rgba.filter((_, i) => i % 4 === 0))];
    }""")


@pytest.mark.parametrize("name", [
    "dense_bernoulli", "conv_bernoulli", "dense_conditional", "conv_conditional_3d", "dense_gaussian",
    "sigmoid_autoencoder", "linear_5d", "pretrained_vae2d", "pretrained_cvae2d"])
def test_front_end_draws_the_decoders_image(browser, site, name):
    url, decoders = site
    decoder = decoders[name]
    conditional = len(decoder.inputs) == 2
    latent_dim = decoder.inputs[0].shape[-1]
    page = browser.new_page()
    try:
        _mount(page, url, name)
        rng = np.random.default_rng(1)
        for _ in range(4):
            z = rng.uniform(-2.5, 2.5, size=latent_dim).astype("float32")
            digit = int(rng.integers(10)) if conditional else None
            decoded, grey = _show(page, z, digit)
            inputs = [z[None], np.eye(10, dtype="float32")[[digit]]] if conditional else z[None]
            expected = np.asarray(pixel_means(decoder, decoder(inputs, training=False)))[0].ravel()
            np.testing.assert_allclose(decoded, expected, rtol=0, atol=TOLERANCE)
            ink = 255 - np.round(255 * np.clip(expected, 0, 1))
            assert np.max(np.abs(np.asarray(grey) - ink)) <= 1, "the canvas does not show the decoded image"
    finally:
        page.close()


@pytest.mark.parametrize("name", ["pretrained_vae2d", "pretrained_cvae2d"])
def test_front_end_reads_the_digit_as_the_judge_does(browser, site, name):
    url, decoders = site
    conditional = len(decoders[name].inputs) == 2
    reader = judge.load()
    page = browser.new_page()
    heard = set()
    try:
        _mount(page, url, name)
        rng = np.random.default_rng(2)
        for _ in range(8):
            z = rng.uniform(-2.5, 2.5, size=2).astype("float32")
            decoded, _ = _show(page, z, int(rng.integers(10)) if conditional else None)
            read = int(reader.read(np.asarray(decoded, "float32").reshape(1, 28, 28, 1))[0])
            article = "an" if read == 8 else "a"
            words = "looks like no digit" if read == judge.UNREADABLE else f"looks like {article} {read}"
            spoken = page.evaluate("() => window.explorer.spoken()")
            assert spoken.endswith(words), (spoken, words)
            heard.add(words)
    finally:
        page.close()
    assert len(heard) >= 3, heard  # eight points far apart should not all read alike


def test_a_click_on_a_tile_of_the_map_moves_z_to_that_tiles_point(browser, site):
    url, _ = site
    grid = plots.gaussian_grid(12)  # the lessons' manifold figure, which the map draws
    page = browser.new_page()
    try:
        _mount(page, url, "pretrained_cvae2d")
        box = page.locator("canvas.vaecourse-map").bounding_box()
        for row, col in ((0, 0), (4, 9), (11, 3)):
            count = page.evaluate("() => window.explorer.count")
            page.mouse.click(box["x"] + (col + 0.5) / 12 * box["width"], box["y"] + (row + 0.5) / 12 * box["height"])
            page.wait_for_function("(count) => window.explorer.count > count", arg=count)
            z = page.evaluate("() => window.explorer.frames.at(-1).z")
            np.testing.assert_allclose(z, grid[row * 12 + col], atol=0.03)
    finally:
        page.close()
