"""Argument checks shared by the whole package: one rule each, one message each.

Every public function checks its inputs before TensorFlow sees them, so that a
wrong argument is refused with a ``ValueError`` that names it, instead of a
stack dump from deep inside ``fit``. The rules live here so that, say, "a
learning rate is a positive number" means the same in every function.

Three rules cover the settings: :func:`one_of` a list of options,
:func:`integer` and :func:`number` within bounds. The rest say what a thing
must be: images, labels, a Keras model, layer widths, an image shape. Each
takes the value first and its name second, and returns the value.
"""

import math

import numpy as np


def one_of(value, name, options):
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}.")
    return value


def integer(value, name, *, at_least=None, at_most=None):
    """``value`` if it is an integer within the bounds given (``True`` is not an integer here)."""
    if (isinstance(value, bool) or not isinstance(value, int) or (at_least is not None and value < at_least)
            or (at_most is not None and value > at_most)):
        raise ValueError(f"{name} must be {_an_integer(at_least, at_most)}, got {value!r}.")
    return value


def number(value, name, *, above=None, at_least=None, below=None, at_most=None):
    """``value`` if it is a finite number (``int`` or ``float``, not ``bool``) within the bounds given."""
    inside = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and (above is None or value > above) and (at_least is None or value >= at_least)
              and (below is None or value < below) and (at_most is None or value <= at_most))
    if not inside:
        raise ValueError(f"{name} must be {_a_number(above, at_least, below, at_most)}, got {value!r}.")
    return value


def _an_integer(at_least, at_most):
    if at_most is not None:
        return f"an integer in {at_least}..{at_most}"
    return {None: "an integer", 0: "a non-negative integer", 1: "a positive integer"}.get(
        at_least, f"an integer >= {at_least}")


def _a_number(above, at_least, below, at_most):
    if (above, at_least, below, at_most) == (0, None, None, None):
        return "a positive number"
    if above is None and below is None and at_least is not None and at_most is not None:
        return f"a number in [{at_least:g}, {at_most:g}]"
    if at_least is None and at_most is None and above is not None and below is not None:
        return f"a number strictly between {above:g} and {below:g}"
    bounds = [f"{sign} {bound:g}" for sign, bound in ((">", above), (">=", at_least), ("<", below), ("<=", at_most))
              if bound is not None]
    return " and ".join([f"a finite number {bounds[0]}", *bounds[1:]]) if bounds else "a finite number"


def images(x, name="x"):
    """``x`` if it is a float array of images (N, H, W, C) in [0, 1].

    Models and metrics call this first so that a wrong array is refused with a
    message that names the problem, instead of a TensorFlow error deep inside
    ``fit``, and so that NaN pixels never reach training.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array of images, got {type(x).__name__}.")
    if not np.issubdtype(x.dtype, np.floating):
        hint = " (divide by 255 to scale 0..255 pixels)" if np.issubdtype(x.dtype, np.integer) else ""
        raise ValueError(f"{name} must have a float dtype with values in [0, 1], got {x.dtype}{hint}.")
    if x.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, height, width, channels), e.g. (N, 28, 28, 1), got {x.shape}."
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: shape {x.shape}.")
    low, high = float(x.min()), float(x.max())  # NaN and infinities show up here, without a copy of x
    if not (np.isfinite(low) and np.isfinite(high)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} contains {bad} NaN or infinite pixel value(s); clean the data first.")
    if low < 0.0 or high > 1.0:
        def shortest(value):  # every digit that tells the value apart in x's dtype, so 1.0000001 is not "1"
            return np.format_float_positional(x.dtype.type(value), trim="-")

        raise ValueError(f"{name} must have values in [0, 1], got values from {shortest(low)} to {shortest(high)}"
                         " (np.clip(x, 0, 1) if they are only rounding errors).")
    return x


def labels(y, name, num_images, num_classes=10):
    """``y`` as int32 if it holds one class index in 0..num_classes-1 per image."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != num_images:
        raise ValueError(f"{name} must be a 1-D array with one label per image ({num_images}), got shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}.")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{name} must hold labels in 0..{num_classes - 1}, got {y.min()}..{y.max()}.")
    return y.astype("int32")


def keras_model(value, name):
    """``value`` if it is a ``keras.Model``."""
    import keras  # here, so that checking numbers never imports TensorFlow

    if not isinstance(value, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(value).__name__}.")
    return value


def widths(value, name, *, allow_empty):
    """``value`` as a tuple if it is a tuple or list of positive integers."""
    if (not isinstance(value, (tuple, list)) or (not value and not allow_empty)
            or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in value)):
        raise ValueError(f"{name} must be a tuple of positive integers, got {value!r}.")
    return tuple(value)


def image_shape(value, name):
    """``value`` as a tuple if it is (height, width, channels) of positive integers."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError(f"{name} must be (height, width, channels) of positive integers, "
                         f"e.g. (28, 28, 1), got {value!r}.")
    return widths(value, name, allow_empty=False)
