"""Pretrained 2-D models that ship inside the package: explore at once, train later.

    from vaecourse import pretrained
    vae = pretrained.load("vae2d")      # vae.encoder, vae.decoder, vae.model, vae.card

Each model is one ``.keras`` file in this folder (weights and architecture, no
optimizer state) beside a ``.json`` card: the run that made it (its
:class:`~vaecourse.training.RunConfig`, and the equivalent
``python -m vaecourse.training`` command, on the offline MNIST subset) and the
held-out figures it reaches on the subset's 1,000 test digits; the tests check
them. :data:`MODELS` is the table of what ships; ``python -m
vaecourse.pretrained`` (``make pretrained``) re-creates the files from it.
Loading uses Keras' ``safe_mode`` (no pickled code) and never touches the
network.
"""

import dataclasses
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .. import likelihoods, metrics, models  # noqa: F401  (registers the layers the files refer to)
from ..data import load_mnist
from ..training import RunConfig, atomic_write

# What ships, and how each was made: the Makefile's `pretrained` target trains exactly these.
MODELS = {
    "vae2d": RunConfig(kind="vae", latent_dim=2, epochs=100, source="subset", seed=0),
    "cvae2d": RunConfig(kind="cvae", latent_dim=2, epochs=100, source="subset", seed=0),
    "ae2d": RunConfig(kind="ae", latent_dim=2, epochs=100, source="subset", seed=0),
}
NAMES = tuple(MODELS)


class PretrainedModelError(ValueError):
    """A shipped model file is missing or damaged."""


@dataclass(frozen=True)
class Pretrained:
    """A loaded model: its encoder, its decoder, the whole model, and its card."""

    encoder: keras.Model
    decoder: keras.Model
    model: keras.Model
    card: dict


def directory():
    """The folder that holds the shipped files (inside the installed package)."""
    return importlib.resources.files(__name__)


def load(name):
    """Load a shipped model by name: "vae2d", "cvae2d" or "ae2d"."""
    if name not in MODELS:
        raise ValueError(f"unknown pretrained model {name!r}; available: {', '.join(NAMES)}.")
    remake = f"re-create it with: {MODELS[name].command()} --export {name}.keras (or make pretrained)"
    with importlib.resources.as_file(directory() / f"{name}.keras") as path:
        if not path.is_file():
            raise PretrainedModelError(f"the pretrained model file {path} is missing; reinstall vaecourse or "
                                       f"{remake}.")
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=False)
        except Exception as error:  # a truncated or foreign file: say so, not a zipfile traceback
            raise PretrainedModelError(f"the pretrained model file {path} is damaged ({type(error).__name__}); "
                                       f"reinstall vaecourse or {remake}.") from error
    try:
        card = json.loads((directory() / f"{name}.json").read_text())
    except (OSError, ValueError) as error:
        raise PretrainedModelError(f"the card of the pretrained model {name!r} ({name}.json) is missing or "
                                   f"damaged ({type(error).__name__}); reinstall vaecourse or {remake}.") from error
    return Pretrained(model.get_layer("encoder"), model.get_layer("decoder"), model, card)


def export(encoder, decoder, path, *, run):
    """Save a trained encoder and decoder as one model without optimizer state, with a card beside it.

    The model is built afresh from ``run`` (uncompiled: a third of a
    checkpoint's size) and takes the trained weights. The card (same name,
    ``.json``) records the run and the held-out figures on the test digits of
    the data it was trained with: ELBO and its parts for a VAE or CVAE,
    reconstruction loss and MSE for an autoencoder. Returns the card.
    """
    twin_encoder, twin_decoder, model = run.build(compile=False)
    twin_encoder.set_weights(encoder.get_weights())
    twin_decoder.set_weights(decoder.get_weights())
    mnist = load_mnist(run.source, verbose=False)
    if run.kind == "ae":
        outputs = model.predict(mnist.x_test, batch_size=1000, verbose=0)
        x_hat = np.asarray(likelihoods.pixel_means(twin_decoder, outputs))
        held_out = {"reconstruction_nll": round(metrics.reconstruction_nll(model, twin_decoder, mnist.x_test), 2),
                    "mse": round(metrics.reconstruction_mse(mnist.x_test, x_hat), 5)}
    else:
        labels = mnist.y_test if run.kind == "cvae" else None
        elbo = metrics.evaluate_elbo(twin_encoder, twin_decoder, mnist.x_test, labels=labels, num_samples=10)
        held_out = {"elbo": round(elbo.elbo, 2), "reconstruction": round(elbo.reconstruction, 2),
                    "kl": round(elbo.kl, 2)}
    card = {"kind": run.kind, "run": dataclasses.asdict(run), "command": run.command(export=Path(path).name),
            "data": mnist.describe(), "held_out": held_out, "parameters": model.count_params(),
            "likelihood": likelihoods.likelihood_of(twin_decoder).describe(),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}
    atomic_write(path, model.save)
    atomic_write(Path(path).with_suffix(".json"), lambda p: Path(p).write_text(json.dumps(card, indent=1) + "\n"))
    return card


JUDGE_EPOCHS = 20


def remake_judge(folder):
    """Train the judge of vaecourse.judge on the subset's training digits and ship it with its card."""
    from .. import judge

    mnist = load_mnist("subset", verbose=False)
    model = judge.train_judge(mnist.x_train, mnist.y_train, epochs=JUDGE_EPOCHS)
    card = judge.card(model, mnist, JUDGE_EPOCHS)
    atomic_write(folder / "judge.keras", model.save)
    atomic_write(folder / "judge.json", lambda p: Path(p).write_text(json.dumps(card, indent=1) + "\n"))
    return card


def remake(names=(*NAMES, "judge"), folder=None):
    """Train and export the shipped models again, from :data:`MODELS`, and the judge (minutes on 2 cores)."""
    from ..training import train

    with importlib.resources.as_file(directory()) as here:
        folder = Path(folder or here)
        for name in names:
            if name == "judge":
                print(f"judge: {remake_judge(folder)['test']}")
                continue
            run = MODELS[name]
            encoder, decoder, _, _ = train(**dataclasses.asdict(run))
            card = export(encoder, decoder, folder / f"{name}.keras", run=run)
            print(f"{name}: {card['held_out']}")
