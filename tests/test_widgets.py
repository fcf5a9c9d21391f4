"""The explorers without a browser: setting widget values from Python redraws the digit."""

import io

import numpy as np
import pytest
from PIL import Image

from vaecourse import models, widgets


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


@pytest.fixture(scope="module")
def vae_parts():
    encoder, decoder, _ = models.build_vae(2, hidden_units=(32,), seed=0)
    return encoder, decoder


def test_slider_move_redraws_the_decoded_digit(vae_parts):
    _, decoder = vae_parts
    explorer = widgets.LatentExplorer(decoder, image_size=140)
    first = explorer.image.value
    assert _pixels(first).shape == (28, 28)  # the browser enlarges it, crisply
    assert explorer.image.width == "140" and "vaecourse-pixels" in explorer.image._dom_classes
    explorer.sliders[0].value = 2.0
    second = explorer.image.value
    assert second != first and explorer.renders == 2
    # The image is the decoder's output at z = (2, 0), ink dark.
    expected = models.pixel_means(decoder, decoder(np.array([[2.0, 0.0]], "float32"))).numpy()[0, ..., 0]
    shown = _pixels(second) / 255.0
    np.testing.assert_allclose(1 - shown, expected, atol=1 / 255 + 1e-6)
    assert explorer.readout.value == "z = (+2.00, +0.00)"


def test_sliders_cover_three_prior_standard_deviations(vae_parts):
    explorer = widgets.LatentExplorer(vae_parts[1])
    assert len(explorer.sliders) == 2
    assert all((s.min, s.max, s.continuous_update) == (-3.0, 3.0, True) for s in explorer.sliders)


def test_clicking_and_dragging_on_the_map_moves_z(vae_parts):
    encoder, decoder = vae_parts
    rng = np.random.default_rng(0)
    images = rng.random((50, 28, 28, 1), dtype=np.float32)
    explorer = widgets.LatentExplorer(decoder, encoder=encoder, images=images, labels=np.arange(50) % 10,
                                      map_size=200)
    before, renders = explorer.image.value, explorer.renders
    explorer.map._press(150, 50)  # right of centre, above it
    np.testing.assert_allclose(explorer.z, [1.5, 1.5], atol=0.01)
    assert explorer.renders == renders + 1  # both sliders moved, one redraw
    assert explorer.image.value != before
    explorer.map._drag(0, 200)
    np.testing.assert_allclose(explorer.z, [-3.0, -3.0], atol=0.01)
    explorer.map._release(0, 200)
    explorer.map._drag(100, 100)  # a move without the button held changes nothing
    np.testing.assert_allclose(explorer.z, [-3.0, -3.0], atol=0.01)
    np.testing.assert_allclose(explorer.map.to_pixel(explorer.map.to_z(37, 121)), (37, 121), atol=1e-3)


def test_manifold_map_without_an_encoder(vae_parts):
    explorer = widgets.LatentExplorer(vae_parts[1], map_size=112)
    assert explorer.map is not None and explorer.map.size == 112


def test_higher_dimensional_latent_space_has_sliders_but_no_map():
    _, decoder, _ = models.build_vae(5, hidden_units=(16,))
    explorer = widgets.LatentExplorer(decoder)
    assert len(explorer.sliders) == 5 and explorer.map is None
    explorer.sliders[4].value = -1.0
    assert explorer.readout.value.endswith("-1.00)")


def test_conditional_explorer_changes_digit_and_map():
    _, decoder, _ = models.build_cvae(2, hidden_units=(16,), seed=0)
    explorer = widgets.ConditionalExplorer(decoder, digit=3)
    before = explorer.image.value
    explorer.digit.value = 8
    assert explorer.image.value != before
    assert explorer.readout.value.startswith("digit 8")
    explorer.sliders[1].value = 1.0
    assert explorer.readout.value == "digit 8, z = (+0.00, +1.00)"


def test_interpolation_walks_from_one_code_to_the_other(vae_parts, mnist):
    encoder, decoder = vae_parts
    explorer = widgets.InterpolationExplorer(encoder, decoder, mnist.x_test, first=0, second=1)
    start = explorer.image.value
    z_mean = encoder(mnist.x_test[:2])[0].numpy()
    end_image = models.pixel_means(decoder, decoder(z_mean[1:2])).numpy()[0, ..., 0]
    explorer.t.value = 1.0
    np.testing.assert_allclose(1 - _pixels(explorer.image.value) / 255, end_image, atol=1 / 255 + 1e-6)
    explorer.t.value = 0.0
    assert explorer.image.value == start
    explorer.second.value = 7
    explorer.t.value = 1.0
    assert explorer.readout.value == "t = 1.00: 0% of #0, 100% of #7"


def test_plain_autoencoder_interpolation():
    encoder = models.build_encoder(2, hidden_units=(8,))
    decoder = models.build_decoder(2, hidden_units=(8,))
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    explorer = widgets.InterpolationExplorer(encoder, decoder, images, first=0, second=2)
    explorer.t.value = 0.5
    assert explorer.renders >= 2


def test_superseded_browser_values_are_dropped_inside_an_event_loop(vae_parts):
    """During a fast drag in a kernel only the newest value is drawn."""
    import asyncio

    explorer = widgets.LatentExplorer(vae_parts[1], min_interval=0.05)

    async def drag():
        for value in np.linspace(-3, 3, 30):
            explorer.sliders[0].set_state({"value": float(value)})  # as a message from the browser does
        await asyncio.sleep(0.2)

    renders = explorer.renders
    asyncio.run(drag())
    assert 1 <= explorer.renders - renders <= 3  # not 30
    assert explorer.readout.value == "z = (+3.00, +0.00)"  # the newest value was drawn


def test_values_set_from_python_are_drawn_at_once_even_in_an_event_loop(vae_parts):
    import asyncio

    explorer = widgets.LatentExplorer(vae_parts[1], min_interval=0.05)

    async def loop_in_a_cell():
        frames = []
        for value in (-1.0, 0.0, 1.0):
            explorer.sliders[0].value = value
            frames.append(explorer.image.value)
        return frames

    assert len(set(asyncio.run(loop_in_a_cell()))) == 3
