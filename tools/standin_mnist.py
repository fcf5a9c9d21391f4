"""A full-size stand-in for MNIST, built from the offline subset, for testing the full-MNIST path.

    python -m tools.standin_mnist DIR      writes DIR/datasets/mnist.npz (use it with KERAS_HOME=DIR)

Full MNIST cannot be downloaded on the project's machines, yet students on
Binder and on laptops get it, and every notebook must stay within its time and
memory budgets there. The stand-in has full MNIST's format and size (60,000
training and 10,000 test digits, uint8, Keras' mnist.npz layout), made from
real digits: each of the subset's 4,000 training digits appears 15 times and
each of its 1,000 test digits 10 times, every copy shifted by up to one pixel
and a third of them drawn with slightly thinner or bolder ink. Training and
test copies come from different original digits, as in MNIST. It is a test of
size, not of quality: it has less variety than real MNIST.
"""

import sys
from pathlib import Path

import numpy as np

from vaecourse.data import load_mnist

COPIES = {"train": 15, "test": 10}
SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
INK = (1.0, 0.8, 1.25)  # gamma on the pixel intensities: as drawn, bolder, thinner


def variants(images, copies, rng):
    """``copies`` different shifted or re-inked versions of every image (N, 28, 28) in [0, 1]."""
    out = np.empty((len(images) * copies, 28, 28), np.uint8)
    choices = [(shift, gamma) for shift in SHIFTS for gamma in INK]
    for i, image in enumerate(images):
        for j, pick in enumerate(rng.choice(len(choices), copies, replace=False)):
            (dy, dx), gamma = choices[pick]
            moved = np.roll(image, (dy, dx), axis=(0, 1))  # the digits' borders are blank: nothing wraps in
            out[i * copies + j] = np.round(255 * moved**gamma)
    order = rng.permutation(len(out))
    return out[order], order // copies


def build(folder, seed=0):
    """Write the stand-in to ``folder``/datasets/mnist.npz (where Keras caches MNIST); returns the path."""
    subset = load_mnist("subset", verbose=False)
    rng = np.random.default_rng(seed)
    arrays = {}
    for part, images, labels in (("train", subset.x_train, subset.y_train), ("test", subset.x_test, subset.y_test)):
        pixels, source = variants(images[..., 0], COPIES[part], rng)
        arrays[f"x_{part}"], arrays[f"y_{part}"] = pixels, labels[source].astype(np.uint8)
    path = Path(folder) / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(".mnist.partial.npz")
    np.savez_compressed(partial, **arrays)
    partial.replace(path)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[2].strip())
    print(build(sys.argv[1]))
