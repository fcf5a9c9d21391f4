"""Attributes of a digit measured from its pixels: how much ink, how slanted, how wide.

The latent arithmetic of notebook 09 and the style checks of notebook 08 need
numbers that describe a digit's style without any model: these come straight
from the image, treating pixel intensities as weights. Every function takes
images (N, H, W, 1) in [0, 1] and returns one number per image.
"""

import numpy as np

from . import checks


def ink(images):
    """Total intensity of each image: more ink means bolder strokes (for digits of one class).

    First used in notebook 09.
    """
    checks.images(images, "images")
    return images.sum(axis=(1, 2, 3))


def _in_chunks(measure):
    """Apply ``measure`` 2,000 images at a time: its float64 moments of 20,000 digits would take 0.6 GB."""

    def chunked(images):
        checks.images(images, "images")
        return np.concatenate([measure(images[i:i + 2000]) for i in range(0, len(images), 2000)])

    chunked.__name__, chunked.__doc__ = measure.__name__, measure.__doc__
    return chunked


def _moments(images):
    weights = images[..., 0].astype("float64")
    rows, cols = np.mgrid[0:weights.shape[1], 0:weights.shape[2]]
    total = np.maximum(weights.sum(axis=(1, 2)), 1e-12)  # a blank image has no ink and no moments
    r_mean = (weights * rows).sum(axis=(1, 2)) / total
    c_mean = (weights * cols).sum(axis=(1, 2)) / total
    dr = rows - r_mean[:, None, None]
    dc = cols - c_mean[:, None, None]
    return weights, dr, dc, total


@_in_chunks
def slant(images):
    """Shear of the ink: columns moved to the right per row going up (positive: leaning right).

    With pixel intensities as weights, it is -Cov(column, row) / Var(row): the
    least-squares slope of the column on the row, i.e. against the vertical (rows
    count downwards, hence the minus). It is not the ink's principal axis, which
    would weigh errors in both coordinates.

    First used in notebook 08.
    """
    weights, dr, dc, _ = _moments(images)
    return -(weights * dr * dc).sum(axis=(1, 2)) / np.maximum((weights * dr**2).sum(axis=(1, 2)), 1e-12)


@_in_chunks
def width(images):
    """Horizontal spread of the ink once its slant is taken out: the standard deviation, in pixels.

    Removing the slant first keeps a leaning 1 from counting as a wide one.

    First used in notebook 08.
    """
    weights, dr, dc, total = _moments(images)
    shear = slant(images)[:, None, None]
    upright = dc + shear * dr  # undo the lean: move each row back by slant x (rows above the centre)
    return np.sqrt((weights * upright**2).sum(axis=(1, 2)) / total)
