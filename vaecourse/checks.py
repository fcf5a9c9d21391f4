"""Argument checks shared by the whole package: one rule each, one message each.

Every public function checks its inputs before TensorFlow sees them, so that a
wrong argument is refused with a ``ValueError`` that names it, instead of a
stack dump from deep inside ``fit``. The rules live here so that, say, "a
learning rate is a positive number" means the same in every function.
"""

import math


def one_of(value, options, name):
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}.")
    return value


def positive_int(value, name):
    """``value`` if it is an integer >= 1 (``True`` is not an integer here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value


def integer_in(value, low, high=None, *, name):
    """``value`` if it is an integer >= ``low`` (and <= ``high`` when given); ``True`` is not an integer here."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"in {low}..{high}"
        raise ValueError(f"{name} must be an integer {span}, got {value!r}.")
    return value


def seed(value, name="seed"):
    """``value`` if it is an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def positive_number(value, name):
    """``value`` if it is a finite number > 0."""
    if not (_is_number(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return value


def non_negative_number(value, name):
    """``value`` if it is a finite number >= 0."""
    if not (_is_number(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return value


def number_in(value, low, high, name):
    """``value`` if it is a number in the closed interval [low, high]."""
    if not (_is_number(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}], got {value!r}.")
    return value


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


def strictly_between(value, low, high, name):
    """``value`` if it is a number with low < value < high."""
    if not (_is_number(value) and low < value < high):
        raise ValueError(f"{name} must be a number strictly between {low:g} and {high:g}, got {value!r}.")
    return value
