"""A judge that says which digit an image shows, or that it shows none (taught in notebooks 02, 08-10).

Later lessons ask what a model draws: are the images digits, which digits, in
what proportions? Eyes come first; this is a second opinion that counts. It is
a small convolutional classifier, trained once on the offline subset's training
digits (``make pretrained``) and shipped in ``vaecourse/pretrained/judge.keras``
with a card of its test figures. Besides the digits it saw shifted copies and
softened ones (a little blurred, lighter ink), because the generative models of
the course draw pixel means, which are soft: a judge that had seen only sharp
ink would call most of them unreadable although people read them easily. It was
also shown images that are no digit
(uniform noise, digits blurred beyond reading, two digits of different classes
laid over each other) with the target "every class equally likely" (outlier
exposure, Hendrycks, Mazeika and Dietterich 2019), so that it learns to doubt.
Its answer is the most probable class when that probability is at least
``THRESHOLD``, and ``UNREADABLE`` (-1) otherwise.

It is built only from layers the explorers' browser decoder runs (convolutions,
dense layers, ReLU), so a page could run it too.
"""

import importlib.resources
import json
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops
from scipy.ndimage import gaussian_filter

from . import checks

THRESHOLD = 0.8
UNREADABLE = -1
JUNK_KINDS = ("noise", "blur", "overlay")


def build_judge(seed=0):
    """The classifier: 28 x 28 grey digit -> ten logits (the softmax comes after, outside the model)."""
    initializer = keras.initializers.GlorotUniform(seed=seed)
    images = keras.Input((28, 28, 1), name="images")
    h = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", kernel_initializer=initializer)(images)
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", kernel_initializer=initializer)(h)
    h = layers.Reshape((7 * 7 * 32,))(h)
    h = layers.Dense(64, activation="relu", kernel_initializer=initializer)(h)
    logits = layers.Dense(10, name="logits", kernel_initializer=initializer)(h)
    return keras.Model(images, logits, name="judge")


def junk(images, labels, kind, rng):
    """Images that show no digit, made from real ones: "noise", "blur" or "overlay" (two classes at once)."""
    checks.one_of(kind, "kind", JUNK_KINDS)
    if kind == "noise":
        return rng.random(images.shape, dtype="float32")
    if kind == "blur":
        return _box_blur(images, radius=4)
    partner = np.array([rng.choice(np.flatnonzero(labels != label)) for label in labels])
    return np.maximum(images, images[partner])


def _box_blur(images, radius):
    """Each pixel the mean of the (2 radius + 1)^2 square around it: a digit smeared into a blob."""
    padded = np.pad(images, ((0, 0), (radius, radius), (radius, radius), (0, 0)))
    size = 2 * radius + 1
    out = np.zeros_like(images)
    for dy in range(size):
        for dx in range(size):
            out += padded[:, dy:dy + images.shape[1], dx:dx + images.shape[2]]
    return out / size**2


def _shifted(images, rng, most=2):
    """Each image moved by up to ``most`` pixels in each direction (wrapping round its empty border)."""
    out = np.empty_like(images)
    for i, image in enumerate(images):
        dy, dx = rng.integers(-most, most + 1, 2)
        out[i] = np.roll(image, (dy, dx), axis=(0, 1))
    return out


def _softened(images, rng, most_blur=1.5):
    """Each image blurred by a Gaussian of width up to ``most_blur`` pixels and its ink lightened to 60-100%."""
    widths = rng.uniform(0.0, most_blur, len(images))
    blurred = np.stack([gaussian_filter(image, (width, width, 0)) for image, width in zip(images, widths, strict=True)])
    return blurred * rng.uniform(0.6, 1.0, (len(images), 1, 1, 1)).astype(images.dtype)


def train_judge(x, y, *, epochs=20, seed=0):
    """Train the judge on digits ``x`` (labels ``y``), shifted and softened copies of them, and as many junk images.

    The junk's target is uniform: every class equally likely.
    """
    checks.images(x, "x")
    rng = np.random.default_rng(seed)
    x, y = np.concatenate([x, _shifted(x, rng)]), np.concatenate([y, y])
    x, y = np.concatenate([x, _softened(x, rng)]), np.concatenate([y, y])
    kinds = rng.choice(len(JUNK_KINDS), len(x))
    rubbish = np.concatenate([junk(x[kinds == k], y[kinds == k], kind, rng) for k, kind in enumerate(JUNK_KINDS)])
    inputs = np.concatenate([x, rubbish])
    targets = np.concatenate([np.eye(10, dtype="float32")[y], np.full((len(rubbish), 10), 0.1, "float32")])
    keras.utils.set_random_seed(seed)
    model = build_judge(seed)
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    model.fit(inputs, targets, batch_size=128, epochs=epochs, shuffle=True, verbose=0)
    return model


@dataclass(frozen=True)
class Judge:
    """The trained classifier and its card; ``read`` gives a digit per image, or UNREADABLE."""

    model: keras.Model
    card: dict

    def probabilities(self, images):
        """(N, 10) class probabilities."""
        checks.images(images, "images")
        logits = self.model.predict(images, batch_size=1000, verbose=0)
        return np.asarray(ops.softmax(logits, axis=-1))

    def read(self, images, threshold=THRESHOLD):
        """The digit each image shows (0-9), or UNREADABLE where no class reaches ``threshold``."""
        checks.number(threshold, "threshold", at_least=0.1, at_most=1.0)
        probabilities = self.probabilities(images)
        return np.where(probabilities.max(axis=1) >= threshold, probabilities.argmax(axis=1), UNREADABLE)


def describe(judge, x_test, y_test, seed=0):
    """The judge's test figures: accuracy and readable share on real digits, unreadable share on each junk kind."""
    rng = np.random.default_rng(seed + 1)
    read = judge.read(x_test)
    figures = {"accuracy": float(np.mean(judge.probabilities(x_test).argmax(axis=1) == y_test)),
               "readable": float(np.mean(read != UNREADABLE)),
               "read_correctly": float(np.mean(read == y_test))}
    for kind in JUNK_KINDS:
        figures[f"unreadable_{kind}"] = float(np.mean(judge.read(junk(x_test, y_test, kind, rng)) == UNREADABLE))
    return {name: round(value, 3) for name, value in figures.items()}


def card(judge_model, mnist, epochs):
    """What the shipped judge's card records: how it was made and its figures on the test digits."""
    figures = describe(Judge(judge_model, {}), mnist.x_test, mnist.y_test)
    return {"kind": "judge", "command": "python -m vaecourse.pretrained judge", "data": mnist.describe(),
            "epochs": epochs, "threshold": THRESHOLD, "test": figures, "parameters": judge_model.count_params(),
            "versions": {"keras": keras.__version__}}


def load():
    """The shipped judge (vaecourse/pretrained/judge.keras and its card).

    First used in notebook 02.
    """
    folder = importlib.resources.files("vaecourse.pretrained")
    with importlib.resources.as_file(folder / "judge.keras") as path:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    return Judge(model, json.loads((folder / "judge.json").read_text()))
