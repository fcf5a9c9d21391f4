"""The explorers from Python: what travels to the browser, the synced traits, and the kernel fallback.

What the browser draws is checked in Chromium (test_explorer_parity.py, test_browser.py);
here: the decoder goes to the front end when it can and the kernel decodes when it cannot,
setting z (or the digit, t, first, second) from Python takes effect and is checked, and a
kernel-decoded frame is the decoder's image.
"""

import io

import keras
import numpy as np
import pytest
import traitlets
from PIL import Image

from vaecourse import judge, likelihoods, models, plots, portable, pretrained, widgets

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def vae_parts():
    encoder, decoder, _ = models.build_vae(2, hidden_units=(32,), seed=0)
    return encoder, decoder


def _means(decoder, z, label=None):
    inputs = [np.asarray([z], "float32"), np.eye(10, dtype="float32")[[label]]] if label is not None else \
        np.asarray([z], "float32")
    return likelihoods.pixel_means(decoder, decoder(inputs)).numpy()[0, ..., 0]


def _frame(explorer):
    return np.frombuffer(explorer.frame, "uint8").reshape(explorer.image_shape) / 255


def _unportable_decoder():
    z = keras.Input((2,))
    h = keras.layers.LayerNormalization(name="norm")(keras.layers.Dense(784)(z))
    return keras.Model(z, keras.layers.Reshape((28, 28, 1))(h))


def test_the_decoder_travels_to_the_browser_once(vae_parts):
    _, decoder = vae_parts
    explorer = widgets.LatentExplorer(decoder, image_size=140)
    assert explorer.decodes_in == "browser" and explorer.note == ""
    assert len(explorer.weights) == 4 * sum(w.size for w in decoder.get_weights())
    assert explorer.frame == b""  # the kernel draws nothing
    z = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_allclose(portable.forward(explorer.spec, explorer.weights, z)[0, ..., 0],
                               _means(decoder, z[0]), atol=1e-5)
    assert (explorer.image_size, explorer.image_shape, explorer.map_size) == (140, [28, 28], 240)


def test_the_judge_travels_with_the_decoder_so_the_front_end_can_say_what_it_draws(vae_parts):
    _, decoder = vae_parts
    explorer = widgets.LatentExplorer(decoder, decode_in="kernel", title="the test VAE")
    reader = judge.load()
    digits = reader.model.input.shape[1:]
    images = np.random.default_rng(0).random((3, *digits), dtype="float32")
    np.testing.assert_allclose(portable.forward(explorer.judge_spec, explorer.judge_weights, images),
                               reader.model.predict(images, verbose=0), atol=1e-4)
    assert explorer.judge_threshold == judge.THRESHOLD and explorer.title == "the test VAE"


def test_a_map_of_codes_says_in_words_where_the_classes_lie(vae_parts, mnist):
    encoder, decoder = vae_parts
    images, labels = mnist.x_test[:300], mnist.y_test[:300]
    explorer = widgets.LatentExplorer(decoder, encoder=encoder, images=images, labels=labels)
    codes = np.asarray(encoder(images)[0])
    assert explorer.map_text == "where the classes lie: " + "; ".join(plots.where_classes_lie(codes, labels)
                                                                      .splitlines())
    assert [part.split(":")[0] for part in explorer.map_text.split("; ")][1:] == [f"{d}s" for d in range(1, 10)]
    assert widgets.LatentExplorer(decoder).map_text == ""  # a decoded plane: its digits are the picture's words


def test_z_is_a_trait_that_python_sets_and_the_sliders_bound(vae_parts):
    explorer = widgets.LatentExplorer(vae_parts[1])
    assert explorer.z == [0.0, 0.0] and explorer.extent == 3.0
    explorer.move_to([1.5, -7])
    assert explorer.z == [1.5, -3.0]  # clipped to the sliders' range
    with pytest.raises(traitlets.TraitError, match="z must be 2 finite numbers"):
        explorer.z = [1.0, 2.0, 3.0]
    with pytest.raises(traitlets.TraitError, match="finite"):
        explorer.move_to([np.nan, 0])
    assert explorer.z == [1.5, -3.0]  # a refused value changes nothing
    np.testing.assert_allclose(explorer.image(), _means(vae_parts[1], [1.5, -3.0]), atol=1e-6)


def test_a_decoder_the_browser_cannot_run_is_decoded_in_the_kernel_and_says_so():
    decoder = _unportable_decoder()
    explorer = widgets.LatentExplorer(decoder)
    assert explorer.decodes_in == "kernel" and explorer.spec is None
    assert "Decoding in the kernel" in explorer.note and "'norm' (LayerNormalization)" in explorer.note
    first = explorer.frame
    explorer.move_to([2.0, 0.5])
    assert explorer.frame != first
    np.testing.assert_allclose(_frame(explorer), np.clip(_means(decoder, [2.0, 0.5]), 0, 1), atol=0.5 / 255 + 1e-6)
    assert Image.open(io.BytesIO(explorer.map_png)).size == (12 * 28, 12 * 28)  # the manifold, from the kernel
    with pytest.raises(portable.NotPortable, match="a page without one cannot show it"):
        explorer.static_state()
    with pytest.raises(portable.NotPortable, match="LayerNormalization"):
        widgets.LatentExplorer(decoder, decode_in="browser")


def test_kernel_decoding_on_request_draws_the_decoders_image(vae_parts):
    encoder, decoder = vae_parts
    images = np.random.default_rng(0).random((50, 28, 28, 1), dtype=np.float32)
    explorer = widgets.LatentExplorer(decoder, encoder=encoder, images=images, labels=np.arange(50) % 10,
                                      decode_in="kernel")
    assert explorer.spec is None and explorer.note == ""  # asked for, not a fallback
    explorer.z = [-1.0, 2.0]
    np.testing.assert_allclose(_frame(explorer), _means(decoder, [-1.0, 2.0]), atol=0.5 / 255 + 1e-6)
    picture = np.asarray(Image.open(io.BytesIO(explorer.map_png)))
    assert picture.shape == (240, 240, 3) and len(np.unique(picture.reshape(-1, 3), axis=0)) > 10  # coloured codes


def test_higher_dimensional_latent_space_has_sliders_but_no_map():
    _, decoder, _ = models.build_vae(5, hidden_units=(16,))
    explorer = widgets.LatentExplorer(decoder)
    assert explorer.latent_dim == 5 and explorer.map_size == 0 and len(explorer.z) == 5
    with pytest.raises(ValueError, match="needs a 2-D latent space"):
        widgets.LatentExplorer(decoder, encoder=models.build_encoder(5), images=np.zeros((1, 28, 28, 1)),
                               labels=[0])


def test_conditional_explorer_switches_the_digit_and_its_map():
    _, decoder, _ = models.build_cvae(2, hidden_units=(16,), seed=0)
    explorer = widgets.ConditionalExplorer(decoder, digit=3, decode_in="kernel")
    frame, picture = explorer.frame, explorer.map_png
    explorer.digit = 8
    assert explorer.frame != frame and explorer.map_png != picture
    np.testing.assert_allclose(explorer.image(), _means(decoder, [0.0, 0.0], label=8), atol=1e-6)
    with pytest.raises(traitlets.TraitError, match="digit must be an integer in 0..9"):
        explorer.digit = 10
    with pytest.raises(ValueError, match="digit must be an integer in 0..9"):
        widgets.ConditionalExplorer(decoder, digit=12)
    browser_side = widgets.ConditionalExplorer(decoder, digit=1)
    assert browser_side.decodes_in == "browser" and browser_side.map_png == b""  # the browser draws each map


def test_the_decoded_map_is_the_lessons_quantile_grid_and_its_marker_sits_on_it():
    decoder = pretrained.load("cvae2d").decoder  # trained: its digits change from tile to tile
    explorer = widgets.ConditionalExplorer(decoder, digit=5, decode_in="kernel")
    grid = plots.gaussian_grid(12)
    sheet = np.asarray(Image.open(io.BytesIO(explorer.map_png)).convert("L")) / 255
    tile_at = 4 * 12 + 9  # row 4 from the top, column 9
    drawn = 1 - sheet[4 * 28:5 * 28, 9 * 28:10 * 28]
    np.testing.assert_allclose(drawn, _means(decoder, grid[tile_at], label=5), atol=1 / 255 + 1e-6)
    assert np.abs(drawn - _means(decoder, grid[tile_at + 1], label=5)).max() > 0.1  # the next tile differs
    across, down = explorer.map_position(grid[tile_at])
    np.testing.assert_allclose([across, down], [(9 + 0.5) / 12, (4 + 0.5) / 12], atol=1e-9)  # the tile's centre
    np.testing.assert_allclose(explorer.map_position([0.0, 0.0]), (0.5, 0.5), atol=1e-12)
    assert explorer.map_position([3.0, -3.0]) == (1.0, 1.0)  # beyond the plane: at its edge
    encoded = widgets.LatentExplorer(models.build_decoder(2, hidden_units=(8,)), encoder=models.build_encoder(2),
                                     images=np.zeros((3, 28, 28, 1), "float32"), labels=[0, 1, 2], extent=4.0)
    assert encoded.map_quantiles == [] and encoded.map_position([2.0, -2.0]) == (0.75, 0.75)  # codes: linear


def test_interpolation_walks_from_one_code_to_the_other(vae_parts, mnist):
    encoder, decoder = vae_parts
    explorer = widgets.InterpolationExplorer(encoder, decoder, mnist.x_test, first=0, second=1, decode_in="kernel")
    z_mean = encoder(mnist.x_test[:2])[0].numpy()
    np.testing.assert_allclose(explorer.ends, z_mean, atol=1e-6)
    explorer.t = 1.0
    np.testing.assert_allclose(_frame(explorer), _means(decoder, z_mean[1]), atol=0.5 / 255 + 1e-6)
    explorer.second = 7
    np.testing.assert_allclose(explorer.ends[1], encoder(mnist.x_test[7:8])[0].numpy()[0], atol=1e-6)
    thumbs = np.frombuffer(explorer.thumbs, "uint8").reshape(2, 28, 28)
    np.testing.assert_allclose(thumbs[1] / 255, mnist.x_test[7, ..., 0], atol=0.5 / 255 + 1e-6)
    with pytest.raises(traitlets.TraitError, match="second must be an integer in 0..999"):
        explorer.second = 1000
    with pytest.raises(traitlets.TraitError, match="t must be a number in \\[0, 1\\]"):
        explorer.t = 1.5


def test_interpolation_with_labels_names_the_class_of_each_end(vae_parts, mnist):
    encoder, decoder = vae_parts
    labels = mnist.y_test
    explorer = widgets.InterpolationExplorer(encoder, decoder, mnist.x_test, labels=labels, first=0, second=1)
    assert explorer.end_labels == [int(labels[0]), int(labels[1])]
    eight = int(np.flatnonzero(labels == 8)[0])
    explorer.second = eight
    assert explorer.end_labels == [int(labels[0]), 8]
    assert explorer.describe() == f"t = 0.00 from digit #0 (a {labels[0]}) to digit #{eight} (an 8)"
    state, _ = explorer.static_state(gallery_size=10)
    assert state["gallery_labels"] == labels[:10].tolist()  # the site's page chooses ends without a kernel
    assert widgets.InterpolationExplorer(encoder, decoder, mnist.x_test).end_labels == []
    with pytest.raises(ValueError, match="labels"):
        widgets.InterpolationExplorer(encoder, decoder, mnist.x_test, labels=labels[:5])


def test_interpolation_with_a_plain_autoencoder_and_its_static_gallery():
    encoder = models.build_encoder(2, hidden_units=(8,))
    decoder = models.build_decoder(2, hidden_units=(8,))
    images = np.random.default_rng(0).random((30, 28, 28, 1), dtype=np.float32)
    explorer = widgets.InterpolationExplorer(encoder, decoder, images, first=0, second=2)
    np.testing.assert_allclose(explorer.ends[1], encoder(images[2:3]).numpy()[0], atol=1e-6)
    state, files = explorer.static_state(gallery_size=10)
    assert state["count"] == 10 and len(state["gallery_codes"]) == 10 and len(files["gallery_thumbs"]) == 10 * 784
    np.testing.assert_allclose(state["gallery_codes"][2], explorer.ends[1], atol=1e-6)
    assert set(files) == {"weights", "thumbs", "gallery_thumbs", "judge_weights"} and state["kind"] == "interpolation"


def test_bad_arguments_are_named(vae_parts):
    encoder, decoder = vae_parts
    with pytest.raises(ValueError, match="decode_in must be one of"):
        widgets.LatentExplorer(decoder, decode_in="gpu")
    with pytest.raises(ValueError, match="image_size must be an integer >= 28"):
        widgets.LatentExplorer(decoder, image_size=10)
    with pytest.raises(ValueError, match="extent"):
        widgets.LatentExplorer(decoder, extent=0)
    with pytest.raises(ValueError, match="map_size"):
        widgets.LatentExplorer(decoder, map_size=20)
    with pytest.raises(ValueError, match="use ConditionalExplorer"):
        widgets.LatentExplorer(models.build_cvae(2, hidden_units=(8,))[1])
    with pytest.raises(ValueError, match="first must be an integer in"):
        widgets.InterpolationExplorer(encoder, decoder, np.zeros((3, 28, 28, 1), "float32"), first=5)
    with pytest.raises(ValueError, match="first must be an integer in 0..2, got True"):
        widgets.InterpolationExplorer(encoder, decoder, np.zeros((3, 28, 28, 1), "float32"), first=True)
    with pytest.raises(ValueError, match="extent .* must be a positive number, got True"):
        widgets.LatentExplorer(decoder, extent=True)
