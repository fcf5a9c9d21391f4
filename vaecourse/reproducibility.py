"""Runs you can repeat: one call seeds every source of randomness the course touches.

With the same seed, training a model twice on the same machine gives
bitwise-identical losses (a test checks it). On another CPU the last digits of
float32 results can differ: other instruction sets round sums differently.
"""

import random

import keras
import numpy as np
import tensorflow as tf

from . import checks


def seed_everything(seed=0):
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    With op determinism on, TensorFlow picks deterministic kernels (slower on
    some GPU ops, about the same on CPU). Python's hash seed cannot be changed
    from inside a running process; it does not affect the course's numbers.

    First used in notebook 00.
    """
    checks.integer(seed, "seed", at_least=0)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # seeds Python, NumPy and the backend again, in Keras' order
    tf.config.experimental.enable_op_determinism()
