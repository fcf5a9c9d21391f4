"""Reproducible training, with checkpoints you can resume, from Python or the command line.

``seed_everything`` fixes every source of randomness the course touches, so
that running a notebook twice on one machine gives the same numbers.

``train`` fits a VAE, a conditional VAE or a plain autoencoder with the
course's defaults and, if given a checkpoint path, saves the whole model
(weights and optimizer state) after every epoch, atomically: the file is
written under a temporary name and then renamed, so an interrupted write never
leaves a broken checkpoint. ``resume=True`` continues from it. Training stops
with :class:`TrainingDiverged` as soon as the loss turns NaN or infinite.

The same from a shell (this is how the pretrained models were made)::

    python -m vaecourse.training vae --latent-dim 2 --epochs 80 --checkpoint runs/vae.keras
    python -m vaecourse.training vae --latent-dim 2 --epochs 120 --checkpoint runs/vae.keras --resume
"""

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .models import DEFAULT_LEARNING_RATE

KINDS = ("vae", "cvae", "ae")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class CheckpointError(ValueError):
    """A checkpoint file is damaged or belongs to another model."""


def seed_everything(seed=0):
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    With op determinism on, TensorFlow picks deterministic kernels (slower on
    some GPU ops, about the same on CPU), so the same seed gives bitwise-
    identical training on the same machine. Across different CPUs the last
    digits of float32 results can still differ.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # seeds Python, NumPy and the backend again, in Keras' order
    tf.config.experimental.enable_op_determinism()


def use_mixed_precision(enabled="auto"):
    """Compute in float16 with float32 weights (Keras mixed precision), or not; returns the policy name.

    "auto" turns it on only when TensorFlow sees a GPU: tensor cores make it
    faster there, while on a CPU float16 is slower. Call before building
    models; losses, the KL term and the decoder's output stay in float32.
    """
    if enabled not in ("auto", True, False):
        raise ValueError(f"enabled must be 'auto', True or False, got {enabled!r}.")
    if enabled == "auto":
        enabled = bool(tf.config.list_physical_devices("GPU"))
    policy = "mixed_float16" if enabled else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


def build_model(kind, *, latent_dim=2, learning_rate=DEFAULT_LEARNING_RATE, beta=1.0, seed=0):
    """The (encoder, decoder, model) that ``train`` fits, compiled.

    "vae" and "cvae" come from :func:`vaecourse.models.build_vae` /
    :func:`~vaecourse.models.build_cvae` with their defaults; "ae" is the plain
    autoencoder with the same dense layers and a sigmoid output, trained with
    per-pixel binary cross-entropy summed over pixels.
    """
    from . import models

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    if kind == "vae":
        return models.build_vae(latent_dim, learning_rate=learning_rate, beta=beta, seed=seed)
    if kind == "cvae":
        return models.build_cvae(latent_dim, learning_rate=learning_rate, beta=beta, seed=seed)
    hidden = (512, 256)
    encoder = models.build_encoder(latent_dim, hidden_units=hidden)
    decoder = models.build_decoder(latent_dim, hidden_units=hidden, output="logits")
    autoencoder = models.build_autoencoder(encoder, decoder)
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=models.BernoulliReconstruction())
    return encoder, decoder, autoencoder


def train(kind="vae", *, latent_dim=2, epochs=80, batch_size=128, learning_rate=DEFAULT_LEARNING_RATE, beta=1.0, seed=0,
          binarize="dynamic", source="auto", checkpoint=None, resume=False, mixed_precision="auto", progress=True):
    """Train a model with checkpoints; returns ``(encoder, decoder, model, history)``.

    checkpoint: a ``.keras`` path written after every epoch. If it exists,
    ``resume=True`` continues from it and ``resume=False`` refuses to
    overwrite it (nothing you trained is lost by accident).
    history: a dict of per-epoch lists, including held-out ``val_loss``.
    mixed_precision: "auto" (float16 compute on a GPU, float32 on a CPU), True or False.
    binarize: "dynamic" (default) draws binary pixels anew each epoch, which
    keeps the Bernoulli model from over-fitting the small subset; the
    held-out figures are computed on the grey-level test digits.
    """
    from .data import load_mnist, make_dataset

    _check_train_args(kind, latent_dim, epochs, batch_size, learning_rate, beta, seed)
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None:
        if checkpoint.suffix != ".keras":
            raise ValueError(f"checkpoint must be a path ending in .keras, got {str(checkpoint)!r}.")
        if checkpoint.exists() and not resume:
            raise FileExistsError(f"{checkpoint} already exists: pass resume=True (--resume) to continue it, "
                                  "or choose another path.")
        if resume and not checkpoint.exists():
            raise FileNotFoundError(f"cannot resume: {checkpoint} does not exist.")
    elif resume:
        raise ValueError("resume=True needs a checkpoint path.")

    seed_everything(seed)
    policy = use_mixed_precision(mixed_precision)
    mnist = load_mnist(source, verbose=progress)
    if progress:
        gpus = tf.config.list_physical_devices("GPU")
        print(f"Training on {'GPU' if gpus else 'CPU'} with {policy} compute.")
    encoder, decoder, model = build_model(kind, latent_dim=latent_dim, learning_rate=learning_rate,
                                          beta=beta, seed=seed)
    labels = {"labels": mnist.y_train} if kind == "cvae" else {}
    train_data = make_dataset(mnist.x_train, batch_size=batch_size, binarize=binarize, seed=seed, **labels)
    test_labels = {"labels": mnist.y_test} if kind == "cvae" else {}
    test_data = make_dataset(mnist.x_test, batch_size=1000, shuffle=False, **test_labels)
    steps_per_epoch = math.ceil(len(mnist.x_train) / batch_size)

    history, initial_epoch = {}, 0
    if resume:
        initial_epoch, history = restore_checkpoint(model, checkpoint, steps_per_epoch)
        if progress:
            print(f"Resuming from {checkpoint} after epoch {initial_epoch}.")
    guard = _StopOnDivergence(learning_rate)
    callbacks = [guard]
    if checkpoint is not None:
        callbacks.append(_AtomicCheckpoint(checkpoint, history))
    if progress:
        callbacks.append(_ProgressBar(epochs))
    if initial_epoch < epochs:
        fit = model.fit(train_data, validation_data=test_data, epochs=epochs, initial_epoch=initial_epoch,
                        callbacks=callbacks, verbose=0)
        for key, values in fit.history.items():
            history.setdefault(key, []).extend(values)
    if guard.diverged:
        raise TrainingDiverged(guard.message)
    return encoder, decoder, model, history


def restore_checkpoint(model, path, steps_per_epoch):
    """Load a checkpoint's weights and optimizer state into ``model``; returns (epochs done, history).

    The file is only read. A damaged file, or one saved from a model of
    another shape, raises :class:`CheckpointError` that says so.
    """
    path = Path(path)
    try:
        saved = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # a truncated zip, a foreign file, a bad config: all mean "damaged"
        raise CheckpointError(f"{path} is not a readable Keras checkpoint ({type(error).__name__}: "
                              f"{str(error)[:200]}); it was left as it is.") from error
    mine = [tuple(w.shape) for w in model.weights]
    theirs = [tuple(w.shape) for w in saved.weights]
    if mine != theirs or model.name != saved.name:
        raise CheckpointError(f"{path} holds a different model ({saved.name}, {saved.count_params():,} "
                              f"parameters) from the one being trained ({model.name}, {model.count_params():,}); "
                              "check --latent-dim and the model kind. The file was left as it is.")
    model.set_weights(saved.get_weights())
    model.optimizer.build(model.trainable_variables)
    for mine_var, saved_var in zip(model.optimizer.variables, saved.optimizer.variables, strict=True):
        mine_var.assign(saved_var)
    epochs_done = int(model.optimizer.iterations.numpy()) // steps_per_epoch
    history_file = _history_path(path)
    history = json.loads(history_file.read_text())["history"] if history_file.exists() else {}
    history = {key: values[:epochs_done] for key, values in history.items()}
    return epochs_done, history


def _history_path(checkpoint):
    return checkpoint.with_suffix(".json")


def _atomic_write(path, write):
    """Call write(temporary_path), then rename onto path: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class _StopOnDivergence(keras.callbacks.Callback):
    """Stop at the first NaN or infinite batch loss and say what usually causes it."""

    def __init__(self, learning_rate):
        super().__init__()
        self.learning_rate = learning_rate
        self.diverged = False
        self.message = ""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = True
            self.model.stop_training = True
            self.message = (f"training diverged: the loss became {float(loss)} in batch {batch + 1}. "
                            f"The likely cause is a learning rate too high for this model "
                            f"({self.learning_rate:g}); try a tenth of it. The input pixels were checked "
                            "and are finite, so the data is not the cause. The last checkpoint (if any) "
                            "holds the last finite epoch.")


class _AtomicCheckpoint(keras.callbacks.Callback):
    """Save the whole model after each finished, finite epoch (atomically), and its history."""

    def __init__(self, path, history):
        super().__init__()
        self.path = Path(path)
        self.history = {key: list(values) for key, values in history.items()}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not all(math.isfinite(float(v)) for v in logs.values()):
            return
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        _atomic_write(self.path, self.model.save)
        record = json.dumps({"epochs_done": epoch + 1, "history": self.history}, indent=1)
        _atomic_write(_history_path(self.path), lambda p: Path(p).write_text(record))


class _ProgressBar(keras.callbacks.Callback):
    """One line per epoch on a pipe, one self-updating line on a terminal."""

    def __init__(self, epochs, stream=None):
        super().__init__()
        self.epochs = epochs
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        done = epoch + 1
        width = 24
        filled = round(width * done / self.epochs)
        elapsed = time.perf_counter() - self.start
        figures = "  ".join(f"{key} {value:.1f}" for key, value in logs.items() if "loss" in key)
        line = f"epoch {done:>3}/{self.epochs} [{'#' * filled}{'.' * (width - filled)}] {figures}  {elapsed:.0f} s"
        tty = self.stream.isatty()
        self.stream.write(("\r" + line) if tty else line + "\n")
        if tty and done == self.epochs:
            self.stream.write("\n")
        self.stream.flush()


def _check_train_args(kind, latent_dim, epochs, batch_size, learning_rate, beta, seed):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    for name, value in (("latent_dim", latent_dim), ("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not (isinstance(learning_rate, (int, float)) and 0 < learning_rate < 10):
        raise ValueError(f"learning_rate must be a number in (0, 10), got {learning_rate!r}.")
    if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m vaecourse.training",
        description="Train a VAE, conditional VAE or plain autoencoder on MNIST, with a checkpoint every epoch.")
    parser.add_argument("kind", choices=KINDS, help="model to train")
    parser.add_argument("--latent-dim", type=int, default=2, help="size of the latent space (default 2)")
    parser.add_argument("--epochs", type=int, default=80, help="total epochs, counting resumed ones (default 80)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE)
    parser.add_argument("--beta", type=float, default=1.0, help="weight of the KL term (VAE, CVAE)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--binarize", choices=("dynamic", "static", "none"), default="dynamic",
                        help="binarize training digits: anew each epoch (default), once, or not at all")
    parser.add_argument("--source", choices=("auto", "full", "subset"), default="auto", help="which MNIST")
    parser.add_argument("--checkpoint", type=Path, help="a .keras file written after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto",
                        help="float16 compute: on a GPU by default (auto), never on a CPU unless on")
    parser.add_argument("--export", type=Path,
                        help="after training, write the model without optimizer state to this .keras file")
    return parser


def main(argv=None):
    """Command-line entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.export is not None and args.export.suffix != ".keras":
        parser.error(f"--export must end in .keras, got {str(args.export)!r}")
    try:
        encoder, decoder, model, history = train(
            args.kind, latent_dim=args.latent_dim, epochs=args.epochs, batch_size=args.batch_size,
            learning_rate=args.learning_rate, beta=args.beta, seed=args.seed, source=args.source,
            binarize=None if args.binarize == "none" else args.binarize,
            mixed_precision={"auto": "auto", "on": True, "off": False}[args.mixed_precision],
            checkpoint=args.checkpoint, resume=args.resume)
    except KeyboardInterrupt:
        where = f"; the last complete checkpoint is {args.checkpoint}" if args.checkpoint else ""
        print(f"\nInterrupted{where}. Continue with --resume.", file=sys.stderr)
        return 130
    except (ValueError, FileExistsError, FileNotFoundError, TrainingDiverged) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.export is not None:
        command = "python -m vaecourse.training " + " ".join(argv if argv is not None else sys.argv[1:])
        card = export(encoder, decoder, args.export, kind=args.kind, source=args.source, command=command,
                      history=history)
        print(f"Wrote {args.export} and its card: {card['held_out']}")
    return 0


def export(encoder, decoder, path, *, kind, source="auto", command="", history=None):
    """Save encoder and decoder as one uncompiled model, with a card beside it.

    The model file has no optimizer state (a third of the checkpoint's size).
    The card (same name, ``.json``) records how the model was made and its
    held-out figures on the test digits of the data it was trained with:
    ELBO and its parts for a VAE or CVAE, reconstruction loss and MSE for an
    autoencoder. Returns the card.
    """
    from . import metrics, models
    from .data import load_mnist

    mnist = load_mnist(source, verbose=False)
    images = keras.Input(encoder.inputs[0].shape[1:], name="images")
    if kind == "cvae":
        label = keras.Input(encoder.inputs[1].shape[1:], name="label")
        model = keras.Model([images, label], decoder([encoder([images, label])[2], label]), name=kind)
    elif kind == "vae":
        model = keras.Model(images, decoder(encoder(images)[2]), name=kind)
    else:
        model = keras.Model(images, decoder(encoder(images)), name=kind)
    if kind == "ae":
        logits = model(mnist.x_test, training=False)
        x_hat = np.asarray(tf.sigmoid(logits))
        held_out = {"reconstruction_nll": round(float(np.mean(models.bernoulli_nll(mnist.x_test, logits))), 2),
                    "mse": round(metrics.reconstruction_mse(mnist.x_test, x_hat), 5)}
    else:
        labels = mnist.y_test if kind == "cvae" else None
        elbo = metrics.evaluate_elbo(encoder, decoder, mnist.x_test, labels=labels, num_samples=10)
        held_out = {"elbo": round(elbo.elbo, 2), "reconstruction": round(elbo.reconstruction, 2),
                    "kl": round(elbo.kl, 2)}
    card = {"kind": kind, "command": command, "data": mnist.describe(), "held_out": held_out,
            "epochs": len((history or {}).get("loss", [])), "parameters": model.count_params(),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}
    _atomic_write(path, model.save)
    _atomic_write(Path(path).with_suffix(".json"), lambda p: Path(p).write_text(json.dumps(card, indent=1)))
    return card


if __name__ == "__main__":
    sys.exit(main())
