"""Where the computing happens: CPU or GPU, float32 or mixed precision, one device or several.

The notebooks and the training command run unchanged on a laptop CPU, a GPU or
several GPUs. :func:`has_gpu` is the one visible rule behind the parameter
cells that train longer on a GPU; :func:`use_mixed_precision` switches float16
compute on (the default on a GPU); :func:`distribution_strategy` gives the
TensorFlow strategy that spreads training over every GPU of the machine.
"""

import keras
import tensorflow as tf

from . import checks

STRATEGIES = (None, "mirrored")


def has_gpu():
    """True if TensorFlow sees at least one GPU.

    First used in notebook 01.
    """
    return bool(tf.config.list_physical_devices("GPU"))


def use_mixed_precision(enabled="auto"):
    """Compute in float16 with float32 weights (Keras mixed precision), or not; returns the policy name.

    "auto" turns it on only when TensorFlow sees a GPU: tensor cores make it
    faster there, while on a CPU float16 is slower. Call before building
    models; losses, the KL term and the decoder's output stay in float32.
    """
    checks.one_of(enabled, "enabled", ("auto", True, False))
    if enabled == "auto":
        enabled = has_gpu()
    policy = "mixed_float16" if enabled else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


def distribution_strategy(name=None):
    """The ``tf.distribute`` strategy to build and train under: None (one device) or "mirrored".

    "mirrored" keeps a copy of the model on every GPU (every CPU device where
    there is none), splits each global batch across them and adds up the
    gradients, so a run with batch size B on two devices computes what one
    device computes with batch size B.
    """
    checks.one_of(name, "distribute", STRATEGIES)
    if name is None:
        return tf.distribute.get_strategy()  # the default: the current device
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
        [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)
