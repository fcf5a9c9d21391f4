"""Autoencoder and VAE builders, written with the Keras Functional API.

Every builder returns separate ``keras.Model`` objects for the encoder and the
decoder, so that after training you can encode digits, decode latent points
and plug either half into something new. The VAE's KL term is added by a layer
with ``self.add_loss`` inside ``call()`` (the Keras 3 way); its reconstruction
term is the compiled loss, so ``vae.fit(x, x)`` minimises the negative ELBO.

A decoder built for a likelihood ends in a
:class:`~vaecourse.likelihoods.PixelLikelihood` layer that records it
(Bernoulli logits, or Gaussian means with a fixed sigma); the loss and every
metric read it from there. :func:`build_model` is the one table of the model
kinds that the training command and the pretrained models use.
"""

import math

import keras
from keras import layers, ops

from . import checks
from .likelihoods import DISTRIBUTIONS, PixelLikelihood, reconstruction_loss, reconstruction_metric

MNIST_SHAPE = (28, 28, 1)
ARCHITECTURES = ("dense", "conv")
DECODER_OUTPUTS = ("sigmoid", "linear", *DISTRIBUTIONS)
DEFAULT_HIDDEN_UNITS = (512, 256)
# Adam's step size for the VAEs. bench/train_speed.py, over three seeds: 3e-3 ends 80 epochs about
# 2 nats lower than 2e-3 and reaches a given held-out ELBO sooner; 4e-3 is no better and less steady.
DEFAULT_LEARNING_RATE = 3e-3
MODEL_KINDS = ("vae", "cvae", "ae")

serializable = keras.saving.register_keras_serializable(package="vaecourse")


# --- the two layers that make an autoencoder variational ----------------------

@serializable
class Sampling(layers.Layer):
    """Reparameterization trick: z = mu + sigma * eps with eps ~ N(0, I).

    The randomness sits in eps, outside the path from (mu, log sigma^2) to z,
    so gradients flow into the encoder. A ``SeedGenerator`` makes the draws
    reproducible.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@serializable
class KLDivergence(layers.Layer):
    """Adds beta * KL(q(z|x) || N(0, I)) to the model's losses, passes its inputs on.

    For a diagonal Gaussian q with mean mu and log-variance v the KL has the
    closed form  -1/2 * sum_j (1 + v_j - mu_j^2 - exp(v_j)),  computed per
    example and averaged over the batch, like the compiled reconstruction loss.
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(checks.non_negative_number(beta, "beta"))

    def call(self, inputs):
        z_mean, z_log_var = inputs
        self.add_loss(self.beta * ops.mean(kl_to_standard_normal(z_mean, z_log_var)))
        return z_mean, z_log_var

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


def kl_to_standard_normal(z_mean, z_log_var):
    """Per-example KL(N(mu, diag exp(v)) || N(0, I)) in nats (float32 even under mixed precision)."""
    z_mean, z_log_var = ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


# --- encoders and decoders ----------------------------------------------------

def build_encoder(latent_dim, *, architecture="dense", input_shape=MNIST_SHAPE, filters=(32, 64),
                  hidden_units=(256,), activation="relu", name="encoder"):
    """Encoder of a plain autoencoder: image -> latent code of size ``latent_dim``.

    "dense" flattens the image into an MLP; "conv" first applies one stride-2
    convolution per entry of ``filters`` (halving height and width each time).
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
    """
    _check_common(latent_dim, architecture, output_shape, filters, hidden_units)
    checks.one_of(output, DECODER_OUTPUTS, "output")
    checks.positive_number(sigma, "sigma")  # also when unused: a wrong value is a mistake either way
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
    """Chain an encoder and a decoder into one trainable model x -> decoder(encoder(x))."""
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
    """
    checks.positive_int(latent_dim, "latent_dim")
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
    """
    _check_common(latent_dim, architecture, input_shape, filters, hidden_units)
    checks.one_of(likelihood, DISTRIBUTIONS, "likelihood")
    checks.non_negative_number(beta, "beta")
    checks.positive_number(learning_rate, "learning_rate")
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
    """
    checks.integer_in(num_classes, 2, name="num_classes")
    return build_vae(latent_dim, num_classes=num_classes, **kwargs)


def build_model(kind, *, latent_dim=2, learning_rate=DEFAULT_LEARNING_RATE, beta=1.0, seed=0, compile=True):
    """The model kinds of the training command and the pretrained models; returns (encoder, decoder, model).

    "vae" and "cvae" are :func:`build_vae` / :func:`build_cvae` with their
    defaults; "ae" is the plain autoencoder with the same dense layers and a
    Bernoulli decoder, trained on -log p(x | decoder(encoder(x))) alone.
    """
    checks.one_of(kind, MODEL_KINDS, "kind")
    if kind == "vae":
        return build_vae(latent_dim, learning_rate=learning_rate, beta=beta, seed=seed, compile=compile)
    if kind == "cvae":
        return build_cvae(latent_dim, learning_rate=learning_rate, beta=beta, seed=seed, compile=compile)
    encoder = build_encoder(latent_dim, hidden_units=DEFAULT_HIDDEN_UNITS)
    decoder = build_decoder(latent_dim, hidden_units=DEFAULT_HIDDEN_UNITS, output="bernoulli")
    autoencoder = build_autoencoder(encoder, decoder)
    if compile:
        autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=reconstruction_loss(decoder))
    return encoder, decoder, autoencoder


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
    checks.positive_int(latent_dim, "latent_dim")
    checks.one_of(architecture, ARCHITECTURES, "architecture")
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
        checks.integer_in(num_classes, 2, name="num_classes")
