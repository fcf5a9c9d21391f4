"""Autoencoder and VAE builders, written with the Keras Functional API.

Every builder returns separate ``keras.Model`` objects for the encoder and the
decoder, so that after training you can encode digits, decode latent points
and plug either half into something new. The VAE's KL term is added by a layer
with ``self.add_loss`` inside ``call()`` (the Keras 3 way); its reconstruction
term is the compiled loss, so ``vae.fit(x, x)`` minimises the negative ELBO
(:mod:`vaecourse.elbo` shows the whole loss and where each part is computed).

A decoder built for a likelihood ends in a
:class:`~vaecourse.likelihoods.PixelLikelihood` layer that records it
(Bernoulli logits, or Gaussian means with a fixed sigma); the loss and every
metric read it from there. :data:`MODEL_KINDS` is the one table of the model
kinds that the training command and the pretrained models use.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers

from . import checks
from .elbo import KLDivergence, Sampling
from .likelihoods import DISTRIBUTIONS, PixelLikelihood, reconstruction_loss, reconstruction_metric

MNIST_SHAPE = (28, 28, 1)
ARCHITECTURES = ("dense", "conv")
DECODER_OUTPUTS = ("sigmoid", "linear", *DISTRIBUTIONS)
DEFAULT_HIDDEN_UNITS = (512, 256)
# Adam's step size for the VAEs, chosen with bench/train_speed.py (the README's Performance section).
DEFAULT_LEARNING_RATE = 3e-3

# --- encoders and decoders ----------------------------------------------------

def build_encoder(latent_dim, *, architecture="dense", input_shape=MNIST_SHAPE, filters=(32, 64),
                  hidden_units=(256,), activation="relu", name="encoder"):
    """Encoder of a plain autoencoder: image -> latent code of size ``latent_dim``.

    "dense" flattens the image into an MLP; "conv" first applies one stride-2
    convolution per entry of ``filters`` (halving height and width each time).

    First used in notebook 02.
    """
    _check_common(latent_dim, architecture, input_shape, filters, hidden_units)
    images = keras.Input(input_shape, name="images")
    features = _encoder_body(images, None, architecture, filters, hidden_units, activation)
    code = layers.Dense(latent_dim, name="code")(features)
    return keras.Model(images, code, name=name)


def build_decoder(latent_dim, *, architecture="dense", output_shape=MNIST_SHAPE, filters=(32, 64),
                  hidden_units=(256,), activation="relu", output="sigmoid", sigma=0.1, num_classes=None,
                  name="decoder"):
    """Decoder: latent code (and a one-hot label if ``num_classes``) -> image.

    It mirrors :func:`build_encoder` with the same ``filters`` and ``hidden_units``. output:
    "sigmoid" gives pixels in [0, 1], "linear" raw values (plain autoencoders);
    "bernoulli" gives the logits of a Bernoulli likelihood and "gaussian" the
    means of a Gaussian one with standard deviation ``sigma`` (VAEs); these two
    end in a :class:`~vaecourse.likelihoods.PixelLikelihood` layer.

    First used in notebook 02.
    """
    _check_common(latent_dim, architecture, output_shape, filters, hidden_units)
    checks.one_of(output, "output", DECODER_OUTPUTS)
    checks.number(sigma, "sigma", above=0)  # also when unused: a wrong value is a mistake either way
    _check_num_classes(num_classes)
    z = keras.Input((latent_dim,), name="z")
    inputs = z
    if num_classes:
        label = keras.Input((num_classes,), name="label")
        inputs = [z, label]
        z = layers.Concatenate(name="z_and_label")([z, label])
    height, width, channels = output_shape
    head_activation = "sigmoid" if output in ("sigmoid", "gaussian") else None
    h = z
    for i, units in enumerate(reversed(hidden_units)):
        h = layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    if architecture == "dense":
        # The output layers stay float32 under mixed precision: logits near 0 and 1 need the range.
        h = layers.Dense(height * width * channels, activation=head_activation, name="dense_pixels",
                         dtype="float32")(h)
        images = layers.Reshape(output_shape, name="pixels", dtype="float32")(h)
    else:
        scale = 2 ** len(filters)
        h = layers.Dense((height // scale) * (width // scale) * filters[-1], activation=activation,
                         name="dense_to_maps")(h)
        h = layers.Reshape((height // scale, width // scale, filters[-1]), name="maps")(h)
        for i, n in enumerate(reversed(filters)):
            h = layers.Conv2DTranspose(n, 3, strides=2, padding="same", activation=activation,
                                       name=f"upconv_{i}")(h)
        images = layers.Conv2D(channels, 3, padding="same", activation=head_activation,
                               name="pixels", dtype="float32")(h)
    if output in DISTRIBUTIONS:
        images = PixelLikelihood(output, sigma if output == "gaussian" else None, name="likelihood")(images)
    return keras.Model(inputs, images, name=name)


def build_autoencoder(encoder, decoder, name="autoencoder"):
    """Chain an encoder and a decoder into one trainable model x -> decoder(encoder(x)).

    First used in notebook 02.
    """
    checks.keras_model(encoder, "encoder")
    checks.keras_model(decoder, "decoder")
    if len(encoder.outputs) != 1 or len(decoder.inputs) != 1:
        raise ValueError("build_autoencoder needs a single-output encoder and a single-input decoder; "
                         "use build_vae or build_cvae for variational models.")
    code_size, decoder_in = encoder.outputs[0].shape[-1], decoder.inputs[0].shape[-1]
    if code_size != decoder_in:
        raise ValueError(f"the encoder's code has size {code_size} but the decoder expects {decoder_in}.")
    images = keras.Input(encoder.inputs[0].shape[1:], name="images")
    return keras.Model(images, decoder(encoder(images)), name=name)


def build_linear_autoencoder(latent_dim, *, input_shape=MNIST_SHAPE, use_bias=True):
    """The autoencoder of the PCA lesson: no activations, so it can only learn a subspace.

    Returns ``(encoder, decoder, autoencoder)``; with squared error its optimum
    spans the same subspace as the first ``latent_dim`` principal components.

    First used in notebook 01.
    """
    checks.integer(latent_dim, "latent_dim", at_least=1)
    checks.image_shape(input_shape, "input_shape")
    num_pixels = math.prod(input_shape)
    if latent_dim > num_pixels:
        raise ValueError(f"latent_dim ({latent_dim}) cannot exceed the number of pixels ({num_pixels}).")
    images = keras.Input(input_shape, name="images")
    code = layers.Dense(latent_dim, use_bias=use_bias, name="code")(layers.Flatten()(images))
    encoder = keras.Model(images, code, name="linear_encoder")
    z = keras.Input((latent_dim,), name="z")
    pixels = layers.Dense(num_pixels, use_bias=use_bias, name="pixels")(z)
    decoder = keras.Model(z, layers.Reshape(input_shape)(pixels), name="linear_decoder")
    return encoder, decoder, build_autoencoder(encoder, decoder, name="linear_autoencoder")


# --- VAE and conditional VAE --------------------------------------------------

def build_vae(latent_dim=2, *, architecture="dense", input_shape=MNIST_SHAPE, likelihood="bernoulli",
              beta=1.0, sigma=0.1, filters=(32, 64), hidden_units=DEFAULT_HIDDEN_UNITS, activation="relu",
              learning_rate=DEFAULT_LEARNING_RATE, seed=None, num_classes=None, compile=True):
    """Build a VAE, compiled unless ``compile=False``; returns ``(encoder, decoder, vae)``.

    encoder: image -> (z_mean, z_log_var, z), with the KL term added as a loss;
    decoder: z -> Bernoulli logits ("bernoulli") or pixel means ("gaussian"
    with fixed standard deviation ``sigma``), ending in its likelihood layer;
    vae = decoder(encoder(x)[2]), compiled with Adam (``DEFAULT_LEARNING_RATE``)
    and the reconstruction loss, so ``vae.fit(x, x)`` minimises the negative
    ELBO per example (KL weighted by ``beta``). ``num_classes`` makes it
    conditional (see :func:`build_cvae`).

    First used in notebook 04.
    """
    _check_common(latent_dim, architecture, input_shape, filters, hidden_units)
    checks.one_of(likelihood, "likelihood", DISTRIBUTIONS)
    checks.number(beta, "beta", at_least=0)
    checks.number(learning_rate, "learning_rate", above=0)
    _check_num_classes(num_classes)

    images = keras.Input(input_shape, name="images")
    label = keras.Input((num_classes,), name="label") if num_classes else None
    features = _encoder_body(images, label, architecture, filters, hidden_units, activation)
    z_mean = layers.Dense(latent_dim, name="z_mean")(features)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(features)
    z_mean, z_log_var = KLDivergence(beta, name="kl_divergence")([z_mean, z_log_var])
    z = Sampling(seed, name="z")([z_mean, z_log_var])
    encoder = keras.Model([images, label] if num_classes else images, [z_mean, z_log_var, z], name="encoder")

    decoder = build_decoder(latent_dim, architecture=architecture, output_shape=input_shape, filters=filters,
                            hidden_units=hidden_units, activation=activation, output=likelihood, sigma=sigma,
                            num_classes=num_classes)
    x = keras.Input(input_shape, name="images")
    if num_classes:
        y = keras.Input((num_classes,), name="label")
        model = keras.Model([x, y], decoder([encoder([x, y])[2], y]), name="cvae")
    else:
        model = keras.Model(x, decoder(encoder(x)[2]), name="vae")
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=reconstruction_loss(decoder),
                      metrics=[reconstruction_metric(decoder)])
    return encoder, decoder, model


def build_cvae(latent_dim=2, num_classes=10, **kwargs):
    """Conditional VAE: a one-hot label joins the encoder's and the decoder's input.

    Returns ``(encoder, decoder, cvae)`` with encoder([x, y]) -> (z_mean,
    z_log_var, z) and decoder([z, y]) -> image; fit with
    ``cvae.fit([x, y_one_hot], x)``. Other arguments as for :func:`build_vae`.

    First used in notebook 08.
    """
    checks.integer(num_classes, "num_classes", at_least=2)
    return build_vae(latent_dim, num_classes=num_classes, **kwargs)


def _plain_autoencoder(latent_dim, *, learning_rate, beta, seed, compile):
    """The "ae" kind: the VAE's dense layers without the noise and the KL, with a Bernoulli decoder."""
    del beta, seed  # no KL term, no sampling
    encoder = build_encoder(latent_dim, hidden_units=DEFAULT_HIDDEN_UNITS)
    decoder = build_decoder(latent_dim, hidden_units=DEFAULT_HIDDEN_UNITS, output="bernoulli")
    autoencoder = build_autoencoder(encoder, decoder)
    if compile:
        autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=reconstruction_loss(decoder))
    return encoder, decoder, autoencoder


@dataclass(frozen=True)
class ModelKind:
    """What the training command, the pretrained models and their cards need to know of one kind of model."""

    build: Callable  # (latent_dim, *, learning_rate, beta, seed, compile) -> (encoder, decoder, model)
    labelled: bool  # the model reads a one-hot label beside each image
    variational: bool  # held out, it is measured by its ELBO; otherwise by its reconstruction loss


# The one table of model kinds: build_model, vaecourse.training and vaecourse.pretrained read it.
MODEL_KINDS = {
    "vae": ModelKind(build_vae, labelled=False, variational=True),
    "cvae": ModelKind(build_cvae, labelled=True, variational=True),
    "ae": ModelKind(_plain_autoencoder, labelled=False, variational=False),
}


def build_model(kind, *, latent_dim=2, learning_rate=DEFAULT_LEARNING_RATE, beta=1.0, seed=0, compile=True):
    """A model of one of :data:`MODEL_KINDS` with its defaults; returns (encoder, decoder, model).

    "vae" and "cvae" are :func:`build_vae` / :func:`build_cvae`; "ae" is the
    plain autoencoder with the same dense layers and a Bernoulli decoder,
    trained on -log p(x | decoder(encoder(x))) alone.
    """
    checks.one_of(kind, "kind", MODEL_KINDS)
    return MODEL_KINDS[kind].build(latent_dim, learning_rate=learning_rate, beta=beta, seed=seed, compile=compile)


# --- shared pieces and argument checks ----------------------------------------

def _encoder_body(images, label, architecture, filters, hidden_units, activation):
    h = images
    if architecture == "conv":
        for i, n in enumerate(filters):
            h = layers.Conv2D(n, 3, strides=2, padding="same", activation=activation, name=f"conv_{i}")(h)
    h = layers.Flatten(name="flatten")(h)
    if label is not None:
        h = layers.Concatenate(name="features_and_label")([h, label])
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    return h


def _check_common(latent_dim, architecture, shape, filters, hidden_units):
    checks.integer(latent_dim, "latent_dim", at_least=1)
    checks.one_of(architecture, "architecture", ARCHITECTURES)
    checks.image_shape(shape, "input_shape")
    checks.widths(hidden_units, "hidden_units", allow_empty=True)
    if architecture == "conv":
        checks.widths(filters, "filters", allow_empty=False)
        scale = 2 ** len(filters)
        if shape[0] % scale or shape[1] % scale:
            raise ValueError(f"a conv model with {len(filters)} stride-2 layers needs height and width "
                             f"divisible by {scale}, got input_shape {tuple(shape)}.")


def _check_num_classes(num_classes):
    if num_classes is not None:
        checks.integer(num_classes, "num_classes", at_least=2)
