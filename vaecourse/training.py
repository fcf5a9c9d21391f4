"""Reproducible training.

``seed_everything`` fixes every source of randomness the course touches, so
that running a notebook twice on one machine gives the same numbers.
"""

import os
import random

import numpy as np


def seed_everything(seed=0):
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    With op determinism on, TensorFlow picks deterministic kernels (slower on
    some GPU ops, about the same on CPU), so the same seed gives bitwise-
    identical training on the same machine. Across different CPUs the last
    digits of float32 results can still differ.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # seeds Python, NumPy and the backend again, in Keras' order
    tf.config.experimental.enable_op_determinism()
