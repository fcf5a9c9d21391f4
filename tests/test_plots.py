from statistics import NormalDist

import numpy as np
import pytest

from vaecourse import plots
from vaecourse.models import build_cvae, build_decoder

pytestmark = pytest.mark.unit


def test_show_images_draws_one_panel_per_image(mnist):
    fig = plots.show_images(mnist.x_test[:12], ncols=5, titles=list(range(12)))
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12
    np.testing.assert_array_equal(shown[3].images[0].get_array(), mnist.x_test[3, ..., 0])
    assert shown[3].get_title() == "3"


def test_reconstructions_put_inputs_above_outputs(mnist):
    x = mnist.x_test[:4]
    fig = plots.plot_reconstructions(x, 1 - x, n=4)
    top, bottom = fig.axes[0], fig.axes[4]
    np.testing.assert_array_equal(top.images[0].get_array(), x[0, ..., 0])
    np.testing.assert_array_equal(bottom.images[0].get_array(), 1 - x[0, ..., 0])


def test_tile_lays_images_out_row_by_row():
    images = np.arange(6 * 2 * 3, dtype="float32").reshape(6, 2, 3, 1)
    canvas = plots.tile(images, nrows=2, ncols=3)
    assert canvas.shape == (2 * 2, 3 * 3)
    np.testing.assert_array_equal(canvas[:2, 3:6], images[1, ..., 0])  # first row, second column
    np.testing.assert_array_equal(canvas[2:, :3], images[3, ..., 0])  # second row, first column
    with pytest.raises(ValueError, match="tile needs 2 x 2 = 4 images"):
        plots.tile(images, nrows=2, ncols=2)


def test_image_rows_shows_the_first_n_of_each_row_with_its_name(mnist):
    x = mnist.x_test[:12]
    fig = plots.image_rows([x, 1 - x], ["digits", "negatives"], n=5)
    assert len(fig.axes) == 10
    np.testing.assert_array_equal(fig.axes[5 + 2].images[0].get_array(), 1 - x[2, ..., 0])  # second row, third
    assert [fig.axes[r * 5].get_ylabel() for r in range(2)] == ["digits", "negatives"]
    assert len(plots.image_rows([x[:3], x], ["three", "all"], n=5).axes) == 2 * 3  # as many as the shortest row
    with pytest.raises(ValueError, match="one name per row"):
        plots.image_rows([x, x], ["only one"])


def test_gaussian_grid_spaces_points_by_prior_quantiles():
    grid = plots.gaussian_grid(5, low=0.1, high=0.9)
    assert grid.shape == (25, 2)
    z1 = grid[:5, 0]
    np.testing.assert_allclose(z1, [NormalDist().inv_cdf(q) for q in (0.1, 0.3, 0.5, 0.7, 0.9)], rtol=1e-6)
    assert grid[0, 1] > grid[-1, 1]  # top row first
    np.testing.assert_allclose(z1, -z1[::-1], atol=1e-6)


def test_manifold_is_one_canvas_of_decoded_digits():
    decoder = build_decoder(2, hidden_units=(8,))
    fig = plots.plot_manifold(decoder, n=6)
    canvas = fig.axes[0].images[0].get_array()
    assert canvas.shape == (6 * 28, 6 * 28)
    first = np.asarray(decoder(plots.gaussian_grid(6)[:1]))[0, ..., 0]
    np.testing.assert_allclose(canvas[:28, :28], first, rtol=1e-5, atol=1e-6)


def test_conditional_manifold_needs_a_label():
    _, decoder, _ = build_cvae(2, hidden_units=(8,))
    with pytest.raises(ValueError, match="label"):
        plots.plot_manifold(decoder, n=3)
    assert plots.plot_manifold(decoder, n=3, label=7).axes[0].images


def test_latent_map_and_history():
    codes, labels = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 10
    fig = plots.plot_latent_map(codes, labels)
    classes = fig.axes[0].collections  # one per digit, drawn as its glyph in its colour
    assert [collection.get_label() for collection in classes] == [str(digit) for digit in range(10)]
    for digit, collection in enumerate(classes):
        np.testing.assert_allclose(collection.get_offsets(), codes[labels == digit])
    assert len({tuple(collection.get_facecolor()[0]) for collection in classes}) == 10
    fig = plots.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]})
    assert [line.get_label() for line in fig.axes[0].lines] == ["loss", "val_loss"]


class _ReaderOfPosition:
    """Reads cell i of the grid as (i mod 11) - 1: tells where each reading lands in the text."""

    def read(self, images):
        return np.arange(len(images)) % 11 - 1


def test_the_manifold_in_words_has_one_line_per_row_top_first():
    decoder = build_decoder(2, hidden_units=(8,))
    lines = plots.manifold_in_words(decoder, _ReaderOfPosition(), n=4).splitlines()
    assert lines == ["x 0 1 2", "3 4 5 6", "7 8 9 x", "0 1 2 3"]  # "x" where the reader sees no digit


def test_the_pretrained_vaes_plane_in_words_holds_many_digits():
    from vaecourse import judge, pretrained

    text = plots.manifold_in_words(pretrained.load("vae2d").decoder, judge.load(), n=6)
    cells = text.split()
    assert len(text.splitlines()) == 6 and len(cells) == 36
    assert len(set(cells) - {"x"}) >= 5, text


def test_where_classes_lie_names_the_side_of_each_class():
    rng = np.random.default_rng(0)
    centres = {0: (3, 0), 1: (0, -3), 2: (-2, 2), 3: (0.1, -0.2)}
    labels = np.repeat(list(centres), 50)
    codes = np.concatenate([np.array(centre) + 0.1 * rng.normal(size=(50, 2)) for centre in centres.values()])
    lines = plots.where_classes_lie(codes, labels).splitlines()
    assert [line.split(",")[0] for line in lines] == ["0s: right", "1s: bottom", "2s: upper left",
                                                      "3s: near the centre"]
    assert lines[0].endswith("around (+3.0, +0.0)"), lines[0]
    with pytest.raises(ValueError, match="one class per code"):
        plots.where_classes_lie(codes, labels[:-1])
