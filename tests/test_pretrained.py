"""The shipped models load offline and safely, and reach the figures on their cards."""

import shutil
import socket

import keras
import pytest

from vaecourse import metrics, models, pretrained
from vaecourse.models import bernoulli_nll

README = (pretrained.DIRECTORY.parent.parent / "README.md").read_text()


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
    assert (pretrained.DIRECTORY / f"{name}.keras").stat().st_size < 6 * 2**20  # a few MB at most


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
    nll = float(bernoulli_nll(mnist.x_test, loaded.model(mnist.x_test)).numpy().mean())
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


@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_damaged_file_gives_a_clear_error_and_is_left_alone(tmp_path, monkeypatch, damage):
    copy = tmp_path / "pretrained"
    shutil.copytree(pretrained.DIRECTORY, copy)
    monkeypatch.setattr(pretrained, "DIRECTORY", copy)
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


def test_pretrained_decoder_drives_models_helpers():
    loaded = pretrained.load("vae2d")
    assert models.decoder_emits_logits(loaded.decoder)
