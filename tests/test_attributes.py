import numpy as np
import pytest

from vaecourse import attributes

pytestmark = pytest.mark.unit


def _bar(offset_per_row=0.0, half_width=0):
    """A vertical bar 2 pixels wide (plus half_width on each side), leaning offset_per_row to the right per row up."""
    image = np.zeros((1, 28, 28, 1), np.float32)
    for row in range(4, 24):
        centre = int(round(14 + offset_per_row * (14 - row)))
        image[0, row, centre - 1 - half_width:centre + 1 + half_width, 0] = 1.0
    return image


def test_ink_counts_intensity():
    assert attributes.ink(_bar())[0] == pytest.approx(40.0)
    assert attributes.ink(_bar(half_width=1))[0] > attributes.ink(_bar())[0]


def test_slant_reads_the_lean_of_the_ink():
    assert attributes.slant(_bar())[0] == pytest.approx(0.0, abs=1e-9)
    assert attributes.slant(_bar(0.3))[0] == pytest.approx(0.3, abs=0.03)
    assert attributes.slant(_bar(-0.3))[0] == pytest.approx(-0.3, abs=0.03)


def test_width_ignores_the_lean_and_grows_with_the_stroke():
    upright, leaning = attributes.width(_bar())[0], attributes.width(_bar(0.4))[0]
    assert leaning == pytest.approx(upright, rel=0.15)  # a leaning bar is no wider
    assert attributes.width(_bar(half_width=3))[0] > 2 * upright


def test_a_blank_image_gives_numbers_not_errors():
    blank = np.zeros((2, 28, 28, 1), np.float32)
    for measure in (attributes.ink, attributes.slant, attributes.width):
        assert np.all(np.isfinite(measure(blank)))


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match="float dtype"):
        attributes.slant(np.zeros((2, 28, 28, 1), np.uint8))
