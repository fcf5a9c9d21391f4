"""What a model sees of the digits: binarized, corrupted, batched.

The helpers between :func:`vaecourse.data.load_mnist` and ``fit``: static
binarization, the three corruptions of the denoising lesson, and the
``tf.data`` pipeline every training cell uses (with dynamic binarization and,
for the conditional VAE, one-hot labels). They take images (N, H, W, 1) in
[0, 1], as ``load_mnist`` gives them, and refuse anything else by name.
"""

import weakref

import numpy as np

from . import checks

NOISE_KINDS = ("gaussian", "salt_and_pepper", "masking")
BINARIZATIONS = (None, "static", "dynamic")


def binarize(x, threshold=0.5):
    """Static binarization: pixels above ``threshold`` become 1, the rest 0."""
    checks.images(x)
    checks.number(threshold, "threshold", above=0.0, below=1.0)
    return (x > threshold).astype("float32")


def add_noise(x, kind, level, *, seed=0):
    """Corrupt images for the denoising lesson; returns a new float32 array in [0, 1].

    kind: "gaussian" adds N(0, level^2) noise and clips to [0, 1];
    "salt_and_pepper" sets a fraction ``level`` of pixels to 0 or 1 at random;
    "masking" sets a fraction ``level`` of pixels to 0.
    level must lie in [0, 1]. The same seed gives the same corruption.

    First used in notebook 03.
    """
    checks.images(x)
    checks.one_of(kind, "kind", NOISE_KINDS)
    checks.number(level, "level", at_least=0.0, at_most=1.0)
    rng = np.random.default_rng(checks.integer(seed, "seed", at_least=0))
    if kind == "gaussian":
        noisy = x + level * rng.standard_normal(x.shape, dtype="float32")
    else:
        hit = rng.random(x.shape, dtype="float32") < level
        if kind == "masking":
            replacement = 0.0
        else:
            replacement = (rng.random(x.shape, dtype="float32") < 0.5).astype(x.dtype)
        noisy = np.where(hit, replacement, x)
    return np.clip(noisy, 0.0, 1.0).astype("float32")


def make_dataset(x, *, labels=None, targets=None, batch_size=128, shuffle=True,
                 binarization=None, num_classes=10, seed=0):
    """A ``tf.data`` pipeline of (inputs, targets) batches for autoencoders.

    inputs are the images ``x``, or ``(x, one_hot(labels))`` for the
    conditional VAE; targets are the images themselves unless given (the
    clean images of the denoising lesson). binarization: None keeps grey levels,
    "static" thresholds at 0.5 (:func:`binarize`), "dynamic" draws each pixel from
    Bernoulli(intensity) anew in every epoch, which regularizes a
    Bernoulli-likelihood model. Shuffling and the dynamic draws are seeded:
    each pass over the data (each epoch, or each repetition of
    ``make_dataset(...).repeat()``) brings a new order and new draws, and the
    whole sequence repeats exactly for the same seed.

    The batches are cut from the NumPy arrays as they are needed, so the
    pipeline holds no copy of the data set: full MNIST costs no more memory
    here than the subset.

    First used in notebook 02.
    """
    import tensorflow as tf

    checks.images(x)
    checks.one_of(binarization, "binarization", BINARIZATIONS)
    checks.integer(batch_size, "batch_size", at_least=1)
    checks.integer(seed, "seed", at_least=0)
    if targets is not None:
        checks.images(targets, "targets")
        if targets.shape != x.shape:
            raise ValueError(f"targets must have the shape of x {x.shape}, got {targets.shape}.")
        if binarization is not None:
            raise ValueError("binarization applies to x used as its own target; do not combine it with targets.")
    one_hot = None
    if labels is not None:
        one_hot = np.eye(num_classes, dtype="float32")[checks.labels(labels, "labels", len(x), num_classes)]
    source = _Arrays(x, targets, one_hot)
    # TensorFlow keeps every generator it was given for the life of the process, so the generator
    # holds the arrays only weakly; the returned pipeline holds them (see the end of this function).
    # Without this, each make_dataset would keep its arrays in memory for good.
    source_ref = weakref.ref(source)

    def batches():
        arrays = source_ref()
        if arrays is None:  # the pipeline that owned the arrays is gone
            return
        rng = np.random.default_rng((seed, arrays.passes))
        arrays.passes += 1
        order = rng.permutation(len(arrays.x)) if shuffle else np.arange(len(arrays.x))
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            images = arrays.x[index]
            if binarization == "static":
                images = binarize(images)
            elif binarization == "dynamic":
                images = (rng.random(images.shape, dtype="float32") < images).astype("float32")
            target = images if arrays.targets is None else arrays.targets[index]
            yield ((images, arrays.one_hot[index]) if arrays.one_hot is not None else images), target

    image_spec = tf.TensorSpec((None, *x.shape[1:]), tf.float32)
    input_spec = (image_spec, tf.TensorSpec((None, num_classes), tf.float32)) if one_hot is not None else image_spec
    data = tf.data.Dataset.from_generator(batches, output_signature=(input_spec, image_spec))
    # Say how many batches a pass has: Keras then knows where an epoch ends.
    data = data.apply(tf.data.experimental.assert_cardinality(-(-len(x) // batch_size)))
    data = data.prefetch(tf.data.AUTOTUNE)
    data.vaecourse_arrays = source  # pipelines built on this one (.repeat(), ...) keep it, and so the arrays
    return data


class _Arrays:
    """The NumPy arrays a pipeline cuts its batches from, and how many passes it has made over them."""

    def __init__(self, x, targets, one_hot):
        self.x, self.targets, self.one_hot = x, targets, one_hot
        self.passes = 0
