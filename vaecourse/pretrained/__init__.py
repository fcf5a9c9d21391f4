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

from .. import judge, models  # noqa: F401  (models registers the layers the files refer to)
from ..data import load_mnist
from ..files import save_with_card
from ..training import RunConfig, export, train

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
    """Load a shipped model by name: "vae2d", "cvae2d" or "ae2d".

    First used in notebook 11.
    """
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


JUDGE_EPOCHS = 20


def remake_judge(folder):
    """Train the judge of vaecourse.judge on the subset's training digits and ship it with its card."""
    mnist = load_mnist("subset", verbose=False)
    model = judge.train_judge(mnist.x_train, mnist.y_train, epochs=JUDGE_EPOCHS)
    card = judge.card(model, mnist, JUDGE_EPOCHS)
    save_with_card(model, folder / "judge.keras", card)
    return card


def remake(names=(*NAMES, "judge"), folder=None):
    """Train and export the shipped models again, from :data:`MODELS`, and the judge (minutes on 2 cores)."""
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
