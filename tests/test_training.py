import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import TEST_ENV
from vaecourse import devices, likelihoods, training
from vaecourse.models import build_vae
from vaecourse.pipeline import make_dataset
from vaecourse.reproducibility import seed_everything

pytestmark = pytest.mark.unit


def _train_once(x, seed):
    seed_everything(seed)
    _, _, vae = build_vae(2, architecture="conv", filters=(8, 16), hidden_units=(32,))
    history = vae.fit(make_dataset(x, batch_size=64, binarization="dynamic"), epochs=2, verbose=0)
    return history.history["loss"], vae.get_weights()


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.x_train[:256]


@pytest.fixture(scope="module")
def first_run(digits):
    return _train_once(digits, seed=123)


def test_same_seed_gives_bitwise_identical_training(digits, first_run):
    losses_a, weights_a = first_run
    losses_b, weights_b = _train_once(digits, seed=123)
    assert losses_a == losses_b  # exact float equality, not approximate
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)


def test_different_seed_gives_different_training(digits, first_run):
    assert _train_once(digits, seed=124)[0] != first_run[0]


# --- the training command: checkpoints, resume, interruption, divergence --------

def _cli(*args):
    env = {**os.environ, **TEST_ENV, "PYTHONUNBUFFERED": "1"}
    # Ctrl-C as a terminal delivers it, even when the tests run in a background job (which ignores SIGINT,
    # and its children inherit that: Python then installs no KeyboardInterrupt handler).
    return subprocess.Popen([sys.executable, "-m", "vaecourse.training", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_ctrl_c_keeps_the_last_complete_checkpoint_and_resume_finishes(tmp_path, capsys):
    checkpoint = tmp_path / "vae.keras"
    run = _cli("vae", "--epochs", "200", "--batch-size", "1000", "--checkpoint", str(checkpoint))  # short epochs
    deadline = time.monotonic() + 120
    record = checkpoint.with_suffix(".json")
    while time.monotonic() < deadline and run.poll() is None:
        if record.exists() and json.loads(record.read_text())["epochs_done"] >= 2:
            break
        time.sleep(0.2)
    assert run.poll() is None, run.communicate()
    run.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "Interrupted; the last complete checkpoint is" in err and "--resume" in err
    done = json.loads(record.read_text())["epochs_done"]
    assert 2 <= done < 200
    assert not list(tmp_path.glob(".*partial*"))  # no half-written file left behind

    # The rest from the file, in this process: one TensorFlow start-up is enough to test the signal.
    assert training.main(["--epochs", str(done + 2), "--checkpoint", str(checkpoint), "--resume"]) == 0
    out = capsys.readouterr().out
    assert f"Resuming from {checkpoint} after epoch {done}." in out
    assert f"epoch {done + 2:>3}/{done + 2}" in out and f"epoch {done:>3}/" not in out
    final = json.loads(record.read_text())
    assert final["epochs_done"] == done + 2 and len(final["history"]["loss"]) == done + 2


@pytest.fixture(scope="module")
def one_epoch_ae(tmp_path_factory):
    """An autoencoder's checkpoint after one epoch, trained once for the tests that resume or damage a copy."""
    checkpoint = tmp_path_factory.mktemp("ae") / "ae.keras"
    training.train("ae", epochs=1, checkpoint=checkpoint, progress=False)
    return checkpoint


def _copy_of(checkpoint, folder):
    for path in (checkpoint, checkpoint.with_suffix(".json")):
        shutil.copy(path, folder / path.name)
    return folder / checkpoint.name


def test_resume_continues_the_optimizer_where_it_stopped(tmp_path, one_epoch_ae):
    checkpoint = _copy_of(one_epoch_ae, tmp_path)
    _, _, model, history = training.train("ae", epochs=2, checkpoint=checkpoint, resume=True, progress=False)
    assert int(model.optimizer.iterations.numpy()) == 2 * 32  # 4,000 digits / 128 per batch, two epochs
    assert len(history["loss"]) == 2 and history["loss"][1] < history["loss"][0]


def test_the_checkpoint_records_its_run_and_resume_rebuilds_the_model_from_it(tmp_path):
    checkpoint = tmp_path / "ae3.keras"
    training.train("ae", latent_dim=3, epochs=1, batch_size=256, seed=5, checkpoint=checkpoint, progress=False)
    record = json.loads(checkpoint.with_suffix(".json").read_text())
    assert record["run"] == {**dataclasses.asdict(training.RunConfig()), "kind": "ae", "latent_dim": 3,
                             "epochs": 1, "batch_size": 256, "seed": 5}
    # Nothing but the new number of epochs is given: kind, latent size and batch size come from the file.
    encoder, decoder, model, history = training.train(epochs=2, checkpoint=checkpoint, resume=True, progress=False)
    assert model.name == "autoencoder" and encoder.output.shape[-1] == 3
    assert int(model.optimizer.iterations.numpy()) == 2 * 16  # 4,000 digits / 256 per batch, two epochs
    assert json.loads(checkpoint.with_suffix(".json").read_text())["run"]["epochs"] == 2


def test_existing_checkpoint_is_never_overwritten_without_resume(tmp_path):
    checkpoint = tmp_path / "vae.keras"
    checkpoint.write_bytes(b"my precious model")
    with pytest.raises(FileExistsError, match="already exists"):
        training.train("vae", epochs=1, checkpoint=checkpoint, progress=False)
    assert checkpoint.read_bytes() == b"my precious model"


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_checkpoint_gives_a_clear_error_and_stays_untouched(tmp_path, one_epoch_ae, damage):
    checkpoint = _copy_of(one_epoch_ae, tmp_path)
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x00" * 1000)
    damaged = checkpoint.read_bytes()
    with pytest.raises(training.CheckpointError, match="not a readable Keras checkpoint.*left as it is"):
        training.train("ae", epochs=2, checkpoint=checkpoint, resume=True, progress=False)
    assert checkpoint.read_bytes() == damaged


def test_checkpoint_of_another_architecture_is_refused(tmp_path, one_epoch_ae):
    checkpoint = _copy_of(one_epoch_ae, tmp_path)
    before = checkpoint.read_bytes()
    with pytest.raises(training.CheckpointError, match=r"made by a different run \(latent_dim=2, not 3\)"):
        training.train("ae", latent_dim=3, epochs=2, checkpoint=checkpoint, resume=True, progress=False)
    assert checkpoint.read_bytes() == before


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"complete epoch 3")

    def write_half_then_die(path):
        Path(path).write_bytes(b"half of epo")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        training.atomic_write(target, write_half_then_die)
    assert target.read_bytes() == b"complete epoch 3"
    assert list(tmp_path.iterdir()) == [target]


def test_divergence_stops_with_the_likely_cause_and_saves_no_diverged_epoch(tmp_path):
    checkpoint = tmp_path / "vae.keras"
    # At a learning rate of 9 the loss turns NaN within the first few batches of the first epoch.
    with pytest.raises(training.TrainingDiverged, match=r"nan in batch \d+.*learning rate too high.*try a tenth"):
        training.train("vae", epochs=5, learning_rate=9.0, checkpoint=checkpoint, progress=False)
    assert list(tmp_path.iterdir()) == [], "an epoch that diverged was saved"


@pytest.mark.parametrize("kind", ["vae", "ae"])
def test_export_writes_a_model_without_optimizer_and_a_card_that_describes_it(tmp_path, capsys, kind):
    exported = tmp_path / f"{kind}.keras"
    assert training.main([kind, "--epochs", "1", "--latent-dim", "3", "--export", str(exported)]) == 0
    card = json.loads(exported.with_suffix(".json").read_text())
    assert card["kind"] == kind and card["run"]["epochs"] == 1 and card["run"]["latent_dim"] == 3
    assert card["command"].startswith(f"python -m vaecourse.training {kind}") and f"--export {kind}.keras" in card[
        "command"]
    figures = {"vae": {"elbo", "reconstruction", "kl"}, "ae": {"reconstruction_nll", "mse"}}[kind]
    assert set(card["held_out"]) == figures and all(np.isfinite(v) for v in card["held_out"].values())
    assert str(card["held_out"]) in capsys.readouterr().out
    model = keras.saving.load_model(exported, safe_mode=True)
    assert not model.compiled and not hasattr(model, "optimizer")  # weights and architecture only
    assert model.count_params() == card["parameters"]
    assert likelihoods.likelihood_of(model.get_layer("decoder")).describe() == card["likelihood"]


def test_command_line_refuses_bad_arguments(capsys):
    assert training.main(["vae", "--epochs", "0"]) == 2
    assert "epochs must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        training.main(["transformer"])
    assert "invalid choice" in capsys.readouterr().err


def test_mixed_precision_switch_trains_in_float16_and_keeps_losses_in_float32(mnist):
    import keras

    try:
        assert devices.use_mixed_precision(True) == "mixed_float16"
        encoder, decoder, vae = build_vae(2, hidden_units=(32,), seed=0)
        assert encoder.get_layer("dense_0").compute_dtype == "float16"
        assert decoder.output.dtype == "float32"  # the head stays float32
        history = vae.fit(mnist.x_train[:256], mnist.x_train[:256], batch_size=64, epochs=2, verbose=0)
        assert all(np.isfinite(history.history["loss"])) and history.history["loss"][1] < history.history["loss"][0]
    finally:
        devices.use_mixed_precision(False)
    assert keras.mixed_precision.global_policy().name == "float32"
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert devices.use_mixed_precision("auto") == ("mixed_float16" if on_gpu else "float32")
    devices.use_mixed_precision(False)
