"""Training with checkpoints you can resume, from Python or the command line.

``train`` fits a VAE, a conditional VAE or a plain autoencoder (the kinds of
:func:`vaecourse.models.build_model`) with the course's defaults and, if given
a checkpoint path, saves the whole model (weights and optimizer state) after
every epoch, atomically: the file is written under a temporary name and then
renamed, so an interrupted write never leaves a broken checkpoint. Beside it a
``.json`` record keeps the run's settings (a :class:`RunConfig`) and its
history, so ``resume=True`` rebuilds exactly that model from the file and goes
on. Training stops with :class:`TrainingDiverged` as soon as the loss turns
NaN or infinite. ``distribute="mirrored"`` trains on every GPU of the machine.

The same from a shell::

    python -m vaecourse.training vae --latent-dim 2 --epochs 80 --checkpoint runs/vae.keras
    python -m vaecourse.training --epochs 120 --checkpoint runs/vae.keras --resume
"""

import argparse
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import checks, likelihoods, metrics
from .data import SOURCES, load_mnist
from .devices import STRATEGIES, distribution_strategy, has_gpu, use_mixed_precision
from .files import atomic_write, save_with_card
from .models import DEFAULT_LEARNING_RATE, MODEL_KINDS, build_model
from .pipeline import BINARIZATIONS, make_dataset
from .reproducibility import seed_everything


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class CheckpointError(ValueError):
    """A checkpoint file is damaged, or was made by a different run."""


def _setting(default, help):
    return dataclasses.field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a training run; the defaults of ``train`` and of the command line.

    Stored beside every checkpoint and in every pretrained model's card, so a
    run can be resumed or repeated from the file alone.
    """

    kind: str = _setting("vae", "model to train: vae, cvae or ae (see vaecourse.models.build_model)")
    latent_dim: int = _setting(2, "size of the latent space")
    epochs: int = _setting(80, "total passes over the training digits, counting resumed ones")
    batch_size: int = _setting(128, "digits per gradient step")
    learning_rate: float = _setting(DEFAULT_LEARNING_RATE, "Adam's step size")
    beta: float = _setting(1.0, "weight of the KL term (VAE, CVAE)")
    seed: int = _setting(0, "seed of the initial weights, the batches and the binarization")
    binarize: str | None = _setting("dynamic", "training digits binarized anew each epoch (dynamic), once "
                                               "(static) or not at all (none)")
    source: str = _setting("auto", "which MNIST: auto, full or subset (see vaecourse.data.load_mnist)")

    def __post_init__(self):
        checks.one_of(self.kind, "kind", MODEL_KINDS)
        for name in ("latent_dim", "epochs", "batch_size"):
            checks.integer(getattr(self, name), name, at_least=1)
        checks.number(self.learning_rate, "learning_rate", above=0)
        checks.number(self.beta, "beta", at_least=0)
        checks.integer(self.seed, "seed", at_least=0)
        checks.one_of(self.binarize, "binarize", BINARIZATIONS)
        checks.one_of(self.source, "source", SOURCES)

    def build(self, compile=True):
        """The (encoder, decoder, model) this run trains."""
        return build_model(self.kind, latent_dim=self.latent_dim, learning_rate=self.learning_rate,
                           beta=self.beta, seed=self.seed, compile=compile)

    def command(self, export=None):
        """The ``python -m vaecourse.training`` command line that repeats this run."""
        words = ["python -m vaecourse.training", self.kind]
        for field in _SETTINGS:
            value = getattr(self, field.name)
            words += [f"--{field.name.replace('_', '-')}", f"{_shown(value)}"]
        return " ".join(words + ([f"--export {export}"] if export else []))


# The settings of a run after its kind: the command line's options, in the order of RunConfig.
_SETTINGS = tuple(field for field in dataclasses.fields(RunConfig) if field.name != "kind")


def train(kind=None, *, checkpoint=None, resume=False, mixed_precision="auto", distribute=None, progress=True,
          **settings):
    """Train a model with checkpoints; returns ``(encoder, decoder, model, history)``.

    kind and settings are the fields of :class:`RunConfig` (latent_dim,
    epochs, batch_size, learning_rate, beta, seed, binarize, source); what is
    not given takes its default, or, with ``resume=True``, the checkpoint's.
    checkpoint: a ``.keras`` path written after every epoch. If it exists,
    ``resume=True`` continues from it and ``resume=False`` refuses to
    overwrite it (nothing you trained is lost by accident).
    history: a dict of per-epoch lists, including held-out ``val_loss``.
    mixed_precision: "auto" (float16 compute on a GPU, float32 on a CPU), True or False.
    distribute: None (one device) or "mirrored" (every GPU; see
    :func:`vaecourse.devices.distribution_strategy`); the batch size is the
    global one, so the run computes what one device would.
    """
    checkpoint, run, history = plan_run(kind, settings, checkpoint, resume)
    return _train_planned(checkpoint, run, history, resume=resume, mixed_precision=mixed_precision,
                          distribute=distribute, progress=progress)


def _train_planned(checkpoint, run, history, *, resume, mixed_precision, distribute, progress):
    """Train the run that :func:`plan_run` planned (``train`` and the command line plan it once)."""
    checks.one_of(distribute, "distribute", STRATEGIES)
    seed_everything(run.seed)
    policy = use_mixed_precision(mixed_precision)
    mnist = load_mnist(run.source, verbose=progress)
    strategy = distribution_strategy(distribute)
    if progress:
        devices = f"{strategy.num_replicas_in_sync} devices" if distribute else ("GPU" if has_gpu() else "CPU")
        print(f"Training on {devices} with {policy} compute.")
    with strategy.scope():
        encoder, decoder, model = run.build()
    labelled = MODEL_KINDS[run.kind].labelled
    labels = {"labels": mnist.y_train} if labelled else {}
    train_data = make_dataset(mnist.x_train, batch_size=run.batch_size, binarization=run.binarize, seed=run.seed,
                              **labels)
    test_labels = {"labels": mnist.y_test} if labelled else {}
    test_data = make_dataset(mnist.x_test, batch_size=1000, shuffle=False, **test_labels)
    steps_per_epoch = math.ceil(len(mnist.x_train) / run.batch_size)

    initial_epoch = 0
    if resume:
        with strategy.scope():
            initial_epoch = restore_checkpoint(model, checkpoint, steps_per_epoch)
        history = {key: values[:initial_epoch] for key, values in history.items()}
        if progress:
            print(f"Resuming from {checkpoint} after epoch {initial_epoch}.")
    guard = _StopOnDivergence(run.learning_rate)
    callbacks = [guard]
    if checkpoint is not None:
        callbacks.append(_AtomicCheckpoint(checkpoint, run, history))
    if progress:
        callbacks.append(_ProgressBar(run.epochs))
    if initial_epoch < run.epochs:
        fit = model.fit(train_data, validation_data=test_data, epochs=run.epochs, initial_epoch=initial_epoch,
                        callbacks=callbacks, verbose=0)
        for key, values in fit.history.items():
            history.setdefault(key, []).extend(values)
    if guard.diverged:
        raise TrainingDiverged(guard.message)
    return encoder, decoder, model, history


def _run_config(settings):
    try:
        return RunConfig(**settings)
    except TypeError as error:  # an unknown setting: name the ones there are
        known = ", ".join(field.name for field in dataclasses.fields(RunConfig))
        raise ValueError(f"{error}; the settings of a run are: {known}.") from None


def plan_run(kind=None, settings=None, checkpoint=None, resume=False):
    """The checked checkpoint path, the :class:`RunConfig` and the history a call of ``train`` would use."""
    settings = dict(settings or {}) | ({"kind": kind} if kind is not None else {})
    checkpoint = _check_checkpoint_path(checkpoint, resume)
    if resume:
        return (checkpoint, *_stored_run(checkpoint, settings))
    return checkpoint, _run_config(settings), {}


def _check_checkpoint_path(checkpoint, resume):
    if checkpoint is None:
        if resume:
            raise ValueError("resume=True needs a checkpoint path.")
        return None
    checkpoint = Path(checkpoint)
    if checkpoint.suffix != ".keras":
        raise ValueError(f"checkpoint must be a path ending in .keras, got {str(checkpoint)!r}.")
    if checkpoint.exists() and not resume:
        raise FileExistsError(f"{checkpoint} already exists: pass resume=True (--resume) to continue it, "
                              "or choose another path.")
    if resume and not checkpoint.exists():
        raise FileNotFoundError(f"cannot resume: {checkpoint} does not exist.")
    return checkpoint


def _stored_run(checkpoint, settings):
    """The run recorded beside a checkpoint, with a new total of epochs if given; and its history."""
    record_path = _record_path(checkpoint)
    try:
        record = json.loads(record_path.read_text())
        stored = _run_config(record["run"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{record_path}, the record of the run beside {checkpoint}, is missing or damaged "
                              f"({type(error).__name__}: {error}); the files were left as they are.") from error
    differing = [f"{name}={getattr(stored, name)!r}, not {value!r}" for name, value in settings.items()
                 if name != "epochs" and getattr(stored, name, value) != value]
    if differing:
        raise CheckpointError(f"{checkpoint} was made by a different run ({'; '.join(differing)}); resume it with "
                              "its own settings, or start a new checkpoint. The file was left as it is.")
    _run_config(settings | record["run"])  # an unknown setting is refused here
    return dataclasses.replace(stored, epochs=settings.get("epochs", stored.epochs)), record.get("history", {})


def restore_checkpoint(model, path, steps_per_epoch):
    """Load a checkpoint's weights and optimizer state into ``model``; returns the epochs it had done.

    The file is only read. A damaged file raises :class:`CheckpointError`
    that says so.
    """
    path = Path(path)
    try:
        saved = keras.saving.load_model(path, safe_mode=True)
        model.set_weights(saved.get_weights())
    except Exception as error:  # a truncated zip, a foreign file, a bad config: all mean "damaged"
        raise CheckpointError(f"{path} is not a readable Keras checkpoint of this run ({type(error).__name__}: "
                              f"{str(error)[:200]}); it was left as it is.") from error
    model.optimizer.build(model.trainable_variables)
    for mine, theirs in zip(model.optimizer.variables, saved.optimizer.variables, strict=True):
        mine.assign(theirs)
    return int(model.optimizer.iterations.numpy()) // steps_per_epoch


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
    kind = MODEL_KINDS[run.kind]
    if not kind.variational:
        outputs = model.predict(mnist.x_test, batch_size=1000, verbose=0)
        x_hat = np.asarray(likelihoods.pixel_means(twin_decoder, outputs))
        held_out = {"reconstruction_nll": round(metrics.reconstruction_nll(model, twin_decoder, mnist.x_test), 2),
                    "mse": round(metrics.reconstruction_mse(mnist.x_test, x_hat), 5)}
    else:
        labels = mnist.y_test if kind.labelled else None
        elbo = metrics.evaluate_elbo(twin_encoder, twin_decoder, mnist.x_test, labels=labels, num_samples=10)
        held_out = {"elbo": round(elbo.elbo, 2), "reconstruction": round(elbo.reconstruction, 2),
                    "kl": round(elbo.kl, 2)}
    card = {"kind": run.kind, "run": dataclasses.asdict(run), "command": run.command(export=Path(path).name),
            "data": mnist.describe(), "held_out": held_out, "parameters": model.count_params(),
            "likelihood": likelihoods.likelihood_of(twin_decoder).describe(),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}
    save_with_card(model, path, card)
    return card


def _record_path(checkpoint):
    return checkpoint.with_suffix(".json")


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
    """Save the whole model after each finished, finite epoch (atomically), with the run and its history."""

    def __init__(self, path, run, history):
        super().__init__()
        self.path = Path(path)
        self.run = run
        self.history = {key: list(values) for key, values in history.items()}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not all(math.isfinite(float(v)) for v in logs.values()):
            return
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        atomic_write(self.path, self.model.save)
        record = json.dumps({"run": dataclasses.asdict(self.run), "epochs_done": epoch + 1,
                             "history": self.history}, indent=1)
        atomic_write(_record_path(self.path), lambda p: Path(p).write_text(record))


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


# --- the command line ------------------------------------------------------------

def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m vaecourse.training",
        description="Train a VAE, conditional VAE or plain autoencoder on MNIST, with a checkpoint every epoch. "
                    "With --resume the run's settings come from the checkpoint; --epochs sets the new total.")
    parser.add_argument("kind", nargs="?", choices=MODEL_KINDS, help="model to train (default vae; with --resume, "
                                                                     "the checkpoint's)")
    # One option per RunConfig field. Its default is RunConfig's, and an option not given stays
    # out of the arguments (SUPPRESS), so that --resume can tell given settings from defaults.
    for field in _SETTINGS:
        kind = {"binarize": lambda text: None if text == "none" else text}.get(field.name, type(field.default))
        choices = {"binarize": ("dynamic", "static", None), "source": SOURCES}.get(field.name)
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=kind, choices=choices,
                            metavar="{dynamic,static,none}" if field.name == "binarize" else None,
                            default=argparse.SUPPRESS,
                            help=f"{field.metadata['help']} (default {_shown(field.default)})")
    parser.add_argument("--checkpoint", type=Path, help="a .keras file written after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto",
                        help="float16 compute: on a GPU by default (auto), never on a CPU unless on")
    parser.add_argument("--distribute", choices=("none", "mirrored"), default="none",
                        help="mirrored: one copy of the model on every GPU, the batch split between them")
    parser.add_argument("--export", type=Path,
                        help="after training, write the model without optimizer state to this .keras file, "
                             "with a card of its held-out figures")
    return parser


def _shown(value):
    return "none" if value is None else value


def main(argv=None):
    """Command-line entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.export is not None and args.export.suffix != ".keras":
        parser.error(f"--export must end in .keras, got {str(args.export)!r}")
    settings = {field.name: getattr(args, field.name) for field in _SETTINGS if hasattr(args, field.name)}
    try:
        checkpoint, run, history = plan_run(args.kind, settings, args.checkpoint, args.resume)
        encoder, decoder, _, _ = _train_planned(
            checkpoint, run, history, resume=args.resume,
            mixed_precision={"auto": "auto", "on": True, "off": False}[args.mixed_precision],
            distribute=None if args.distribute == "none" else args.distribute, progress=True)
    except KeyboardInterrupt:
        where = f"; the last complete checkpoint is {args.checkpoint}" if args.checkpoint else ""
        print(f"\nInterrupted{where}. Continue with --resume.", file=sys.stderr)
        return 130
    except (ValueError, FileExistsError, FileNotFoundError, TrainingDiverged) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.export is not None:
        card = export(encoder, decoder, args.export, run=run)
        print(f"Wrote {args.export} and its card: {card['held_out']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
