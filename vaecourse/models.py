"""Autoencoder and VAE builders, written with the Keras Functional API.

Every builder returns separate ``keras.Model`` objects for the encoder and the
decoder, so that after training you can encode digits, decode latent points
and plug either half into something new. The VAE's KL term is added by a layer
with ``self.add_loss`` inside ``call()`` (the Keras 3 way); its reconstruction
term is the compiled loss, so ``vae.fit(x, x)`` minimises the negative ELBO.

Bernoulli decoders output *logits* (the loss is computed from logits, which is
numerically stable); use :func:`pixel_means` to turn decoder outputs into
images in [0, 1] whichever likelihood the decoder was built for.
"""

import math

import keras
from keras import layers, ops

MNIST_SHAPE = (28, 28, 1)
ARCHITECTURES = ("dense", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")
DECODER_OUTPUTS = ("sigmoid", "logits", "linear")
# Adam's step size for the VAEs. bench/train_speed.py, over three seeds: 3e-3 ends 80 epochs about
# 2 nats lower than 2e-3 and reaches a given held-out ELBO sooner; 4e-3 is no better and less steady.
DEFAULT_LEARNING_RATE = 3e-3

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
        _check_beta(beta)
        self.beta = float(beta)

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


# --- reconstruction losses: -log p(x|z), summed over pixels -------------------

@serializable
class BernoulliReconstruction(keras.losses.Loss):
    """-log p(x|z) for independent Bernoulli pixels, from the decoder's logits."""

    def __init__(self, name="bernoulli_reconstruction", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return bernoulli_nll(y_true, y_pred)


@serializable
class GaussianReconstruction(keras.losses.Loss):
    """-log p(x|z) for independent Gaussian pixels with a fixed standard deviation."""

    def __init__(self, sigma=0.1, name="gaussian_reconstruction", **kwargs):
        super().__init__(name=name, **kwargs)
        _check_sigma(sigma)
        self.sigma = float(sigma)

    def call(self, y_true, y_pred):
        return gaussian_nll(y_true, y_pred, self.sigma)

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}


@serializable
class ReconstructionMetric(keras.metrics.Mean):
    """Running mean of -log p(x|z), shown beside the loss in fit's history.

    The loss is reconstruction + beta * KL, so the KL is their difference.
    """

    def __init__(self, likelihood="bernoulli", sigma=0.1, name="reconstruction", **kwargs):
        super().__init__(name=name, **kwargs)
        self.likelihood = likelihood
        self.sigma = float(sigma)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.likelihood == "bernoulli":
            nll = bernoulli_nll(y_true, y_pred)
        else:
            nll = gaussian_nll(y_true, y_pred, self.sigma)
        return super().update_state(nll, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "likelihood": self.likelihood, "sigma": self.sigma}


def bernoulli_nll(x, logits):
    """Per-example sum over pixels of the sigmoid cross-entropy, in nats (computed in float32)."""
    logits = ops.cast(logits, "float32")
    x = ops.cast(x, "float32")
    per_pixel = ops.maximum(logits, 0.0) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


def gaussian_nll(x, mean, sigma):
    """Per-example -log N(x; mean, sigma^2 I) summed over pixels, in nats (computed in float32)."""
    mean = ops.cast(mean, "float32")
    x = ops.cast(x, "float32")
    squared = ops.reshape(ops.square(x - mean), (ops.shape(mean)[0], -1))
    num_pixels = ops.cast(ops.shape(squared)[1], mean.dtype)
    return 0.5 * ops.sum(squared, axis=-1) / sigma**2 + num_pixels * math.log(sigma * math.sqrt(2 * math.pi))


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
                  hidden_units=(256,), activation="relu", output="sigmoid", num_classes=None,
                  name="decoder"):
    """Decoder: latent code (and a one-hot label if ``num_classes``) -> image.

    It mirrors :func:`build_encoder` with the same ``filters`` and
    ``hidden_units``. output: "sigmoid" gives pixel means in [0, 1], "logits"
    gives Bernoulli logits (for the VAE loss), "linear" gives raw values.
    """
    _check_common(latent_dim, architecture, output_shape, filters, hidden_units)
    if output not in DECODER_OUTPUTS:
        raise ValueError(f"output must be one of {DECODER_OUTPUTS}, got {output!r}.")
    _check_num_classes(num_classes)
    z = keras.Input((latent_dim,), name="z")
    inputs = z
    if num_classes:
        label = keras.Input((num_classes,), name="label")
        inputs = [z, label]
        z = layers.Concatenate(name="z_and_label")([z, label])
    height, width, channels = output_shape
    h = z
    for i, units in enumerate(reversed(hidden_units)):
        h = layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    head_name = "logits" if output == "logits" else "pixels"
    head_activation = "sigmoid" if output == "sigmoid" else None
    if architecture == "dense":
        # The output layers stay float32 under mixed precision: logits near 0 and 1 need the range.
        h = layers.Dense(height * width * channels, activation=head_activation, name="dense_pixels",
                         dtype="float32")(h)
        images = layers.Reshape(output_shape, name=head_name, dtype="float32")(h)
    else:
        scale = 2 ** len(filters)
        h = layers.Dense((height // scale) * (width // scale) * filters[-1], activation=activation,
                         name="dense_to_maps")(h)
        h = layers.Reshape((height // scale, width // scale, filters[-1]), name="maps")(h)
        for i, n in enumerate(reversed(filters)):
            h = layers.Conv2DTranspose(n, 3, strides=2, padding="same", activation=activation,
                                       name=f"upconv_{i}")(h)
        images = layers.Conv2D(channels, 3, padding="same", activation=head_activation,
                               name=head_name, dtype="float32")(h)
    return keras.Model(inputs, images, name=name)


def build_autoencoder(encoder, decoder, name="autoencoder"):
    """Chain an encoder and a decoder into one trainable model x -> decoder(encoder(x))."""
    _check_model(encoder, "encoder")
    _check_model(decoder, "decoder")
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
    _check_latent_dim(latent_dim)
    _check_shape(input_shape, "input_shape")
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
              beta=1.0, sigma=0.1, filters=(32, 64), hidden_units=(512, 256), activation="relu",
              learning_rate=DEFAULT_LEARNING_RATE, seed=None, num_classes=None):
    """Build and compile a VAE; returns ``(encoder, decoder, vae)``.

    encoder: image -> (z_mean, z_log_var, z), with the KL term added as a loss;
    decoder: z -> Bernoulli logits ("bernoulli") or pixel means ("gaussian"
    with fixed standard deviation ``sigma``); vae = decoder(encoder(x)[2]),
    compiled with Adam (``DEFAULT_LEARNING_RATE``) and the reconstruction
    loss, so ``vae.fit(x, x)`` minimises the negative ELBO per example (KL weighted by ``beta``).
    ``num_classes`` makes it conditional (see :func:`build_cvae`).
    """
    _check_common(latent_dim, architecture, input_shape, filters, hidden_units)
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}.")
    _check_beta(beta)
    _check_sigma(sigma)
    _check_num_classes(num_classes)
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}.")

    images = keras.Input(input_shape, name="images")
    label = keras.Input((num_classes,), name="label") if num_classes else None
    features = _encoder_body(images, label, architecture, filters, hidden_units, activation)
    z_mean = layers.Dense(latent_dim, name="z_mean")(features)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(features)
    z_mean, z_log_var = KLDivergence(beta, name="kl_divergence")([z_mean, z_log_var])
    z = Sampling(seed, name="z")([z_mean, z_log_var])
    encoder_inputs = [images, label] if num_classes else images
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    decoder = build_decoder(latent_dim, architecture=architecture, output_shape=input_shape,
                            filters=filters, hidden_units=hidden_units, activation=activation,
                            output="logits" if likelihood == "bernoulli" else "sigmoid",
                            num_classes=num_classes)
    x = keras.Input(input_shape, name="images")
    if num_classes:
        y = keras.Input((num_classes,), name="label")
        model = keras.Model([x, y], decoder([encoder([x, y])[2], y]), name="cvae")
    else:
        model = keras.Model(x, decoder(encoder(x)[2]), name="vae")
    loss = BernoulliReconstruction() if likelihood == "bernoulli" else GaussianReconstruction(sigma)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss,
                  metrics=[ReconstructionMetric(likelihood, sigma)])
    return encoder, decoder, model


def build_cvae(latent_dim=2, num_classes=10, **kwargs):
    """Conditional VAE: a one-hot label joins the encoder's and the decoder's input.

    Returns ``(encoder, decoder, cvae)`` with encoder([x, y]) -> (z_mean,
    z_log_var, z) and decoder([z, y]) -> image; fit with
    ``cvae.fit([x, y_one_hot], x)``. Other arguments as for :func:`build_vae`.
    """
    if not num_classes:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    return build_vae(latent_dim, num_classes=num_classes, **kwargs)


def decoder_emits_logits(decoder):
    """True if the decoder's last layer produces Bernoulli logits rather than pixels."""
    _check_model(decoder, "decoder")
    return decoder.layers[-1].name == "logits"


def pixel_means(decoder, outputs):
    """Turn decoder outputs into images in [0, 1] (sigmoid of logits if needed)."""
    return ops.sigmoid(outputs) if decoder_emits_logits(decoder) else outputs


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
    _check_latent_dim(latent_dim)
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}.")
    _check_shape(shape, "input_shape")
    _check_widths(hidden_units, "hidden_units", allow_empty=True)
    if architecture == "conv":
        _check_widths(filters, "filters", allow_empty=False)
        scale = 2 ** len(filters)
        if shape[0] % scale or shape[1] % scale:
            raise ValueError(f"a conv model with {len(filters)} stride-2 layers needs height and width "
                             f"divisible by {scale}, got input_shape {tuple(shape)}.")


def _check_latent_dim(latent_dim):
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be an integer >= 1, got {latent_dim!r}.")


def _check_shape(shape, name):
    if (not isinstance(shape, (tuple, list)) or len(shape) != 3
            or not all(isinstance(s, int) and s >= 1 for s in shape)):
        raise ValueError(f"{name} must be (height, width, channels) of positive integers, "
                         f"e.g. (28, 28, 1), got {shape!r}.")


def _check_widths(widths, name, allow_empty):
    if (not isinstance(widths, (tuple, list)) or (not widths and not allow_empty)
            or not all(isinstance(w, int) and w >= 1 for w in widths)):
        raise ValueError(f"{name} must be a tuple of positive integers, got {widths!r}.")


def _check_beta(beta):
    if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}.")


def _check_sigma(sigma):
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got {sigma!r}.")


def _check_num_classes(num_classes):
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")


def _check_model(model, name):
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(model).__name__}.")
