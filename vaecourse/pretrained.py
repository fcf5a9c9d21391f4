"""Pretrained 2-D models that ship inside the package: explore at once, train later.

    from vaecourse import pretrained
    vae = pretrained.load("vae2d")      # vae.encoder, vae.decoder, vae.model, vae.card

Each model is one ``.keras`` file (weights and architecture, no optimizer
state) beside a ``.json`` card that says how it was made (the exact
``python -m vaecourse.training`` command, on the offline MNIST subset) and the
held-out figure it reaches on the subset's 1,000 test digits; the tests check
that figure. Loading uses Keras' ``safe_mode`` (no pickled code) and never
touches the network.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import keras

from . import models  # noqa: F401  (registers the custom layers that the files refer to)

DIRECTORY = Path(__file__).resolve().parent / "pretrained"
NAMES = ("vae2d", "cvae2d", "ae2d")


class PretrainedModelError(ValueError):
    """A shipped model file is missing or damaged."""


@dataclass(frozen=True)
class Pretrained:
    """A loaded model: its encoder, its decoder, the whole model, and its card."""

    encoder: keras.Model
    decoder: keras.Model
    model: keras.Model
    card: dict


def load(name):
    """Load a shipped model by name: "vae2d", "cvae2d" or "ae2d"."""
    if name not in NAMES:
        raise ValueError(f"unknown pretrained model {name!r}; available: {', '.join(NAMES)}.")
    path = DIRECTORY / f"{name}.keras"
    card_path = path.with_suffix(".json")
    remake = f"re-create it with: {_card_command(card_path) or 'python -m vaecourse.training'}"
    if not path.is_file():
        raise PretrainedModelError(f"the pretrained model file {path} is missing; reinstall vaecourse or {remake}.")
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # a truncated or foreign file: say so, not a zipfile traceback
        raise PretrainedModelError(f"the pretrained model file {path} is damaged ({type(error).__name__}); "
                                   f"reinstall vaecourse or {remake}.") from error
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    return Pretrained(model.get_layer("encoder"), model.get_layer("decoder"), model, card)


def _card_command(card_path):
    try:
        return json.loads(card_path.read_text()).get("command")
    except (OSError, ValueError):
        return None
