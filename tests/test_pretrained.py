"""The shipped models load offline and safely, and reach the figures on their cards."""

import dataclasses
import importlib.resources
import shutil
import socket
from pathlib import Path

import keras
import pytest

from vaecourse import likelihoods, metrics, pretrained

pytestmark = pytest.mark.unit

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("tests of pretrained models must not use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", pretrained.NAMES)
def test_model_loads_with_its_parts_and_card(name):
    loaded = pretrained.load(name)
    assert loaded.decoder.inputs[0].shape[-1] == 2
    assert tuple(loaded.decoder.outputs[0].shape[1:]) == (28, 28, 1)
    assert loaded.card["kind"] == name.removesuffix("2d")
    assert loaded.card["command"].startswith("python -m vaecourse.training ")
    assert loaded.card["run"] == dataclasses.asdict(pretrained.MODELS[name])  # the card records the run
    with importlib.resources.as_file(pretrained.directory() / f"{name}.keras") as path:
        assert path.stat().st_size < 6 * 2**20  # a few MB at most


@pytest.mark.parametrize("name", ["vae2d", "cvae2d"])
def test_variational_models_reach_their_documented_elbo(name, mnist):
    loaded = pretrained.load(name)
    labels = mnist.y_test if name == "cvae2d" else None
    elbo = metrics.evaluate_elbo(loaded.encoder, loaded.decoder, mnist.x_test, labels=labels, num_samples=10)
    documented = loaded.card["held_out"]["elbo"]
    assert elbo.elbo >= documented - 0.5
    assert f"{documented:.1f}" in README  # the README quotes the same figure


def test_autoencoder_reaches_its_documented_loss(mnist):
    loaded = pretrained.load("ae2d")
    nll = metrics.reconstruction_nll(loaded.model, loaded.decoder, mnist.x_test)
    documented = loaded.card["held_out"]["reconstruction_nll"]
    assert nll <= documented + 0.5
    assert f"{documented:.1f}" in README


def test_loading_is_safe_mode_only(monkeypatch):
    calls = []
    real = keras.saving.load_model
    monkeypatch.setattr(keras.saving, "load_model", lambda *a, **k: calls.append(k) or real(*a, **k))
    pretrained.load("vae2d")
    assert calls and all(call.get("safe_mode") is True for call in calls)


def test_unknown_name_lists_the_available_models():
    with pytest.raises(ValueError, match="unknown pretrained model 'vae3d'; available: vae2d, cvae2d, ae2d"):
        pretrained.load("vae3d")


def test_a_missing_card_gives_a_clear_error(tmp_path, monkeypatch):
    copy = tmp_path / "pretrained"
    with importlib.resources.as_file(pretrained.directory()) as shipped:
        shutil.copytree(shipped, copy)
    monkeypatch.setattr(pretrained, "directory", lambda: copy)
    (copy / "cvae2d.json").unlink()
    with pytest.raises(pretrained.PretrainedModelError, match="card of the pretrained model 'cvae2d'.*missing"):
        pretrained.load("cvae2d")


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_damaged_file_gives_a_clear_error_and_is_left_alone(tmp_path, monkeypatch, damage):
    copy = tmp_path / "pretrained"
    with importlib.resources.as_file(pretrained.directory()) as shipped:
        shutil.copytree(shipped, copy)
    monkeypatch.setattr(pretrained, "directory", lambda: copy)
    path = copy / "vae2d.keras"
    if damage == "missing":
        path.unlink()
        with pytest.raises(pretrained.PretrainedModelError, match="missing.*python -m vaecourse.training vae"):
            pretrained.load("vae2d")
        return
    path.write_bytes(path.read_bytes()[:100_000])
    before = path.read_bytes()
    with pytest.raises(pretrained.PretrainedModelError, match="damaged.*python -m vaecourse.training vae"):
        pretrained.load("vae2d")
    assert path.read_bytes() == before


def test_pretrained_decoders_carry_their_likelihood():
    for name in pretrained.NAMES:
        head = likelihoods.likelihood_of(pretrained.load(name).decoder)
        assert (head.distribution, head.sigma) == ("bernoulli", None)
