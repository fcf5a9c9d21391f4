"""What a decoder's numbers mean: the pixel likelihood p(x|z), carried by the decoder itself.

A VAE's decoder does not output an image but the parameters of a distribution
over images: Bernoulli logits, or the means of Gaussians with a fixed standard
deviation. Which one, and with which sigma, decides the loss, the ELBO, the
importance weights and how to turn the outputs into a picture. So the decoder
says it: its last layer is a :class:`PixelLikelihood` that records the
distribution and its parameters, is saved with the model and comes back when
it is loaded. Everything else (``reconstruction_loss``, ``pixel_means``, the
metrics, the explorers) reads the likelihood from that layer, so a loss that
does not match the decoder cannot be built by mistake.
"""

import math

import keras
from keras import layers, ops

from . import checks

DISTRIBUTIONS = ("bernoulli", "gaussian")

serializable = keras.saving.register_keras_serializable(package="vaecourse")


def bernoulli_nll(x, logits):
    """Per-example -log p(x|z) for Bernoulli pixels: the sigmoid cross-entropy summed over pixels, in nats.

    Computed from logits in float32 (stable for large logits, also under mixed precision).
    On grey levels in [0, 1] this is the expected -log likelihood under dynamic binarization.

    First used in notebook 04.
    """
    logits = ops.cast(logits, "float32")
    x = ops.cast(x, "float32")
    per_pixel = ops.maximum(logits, 0.0) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


def gaussian_nll(x, mean, sigma):
    """Per-example -log N(x; mean, sigma^2 I) summed over pixels, in nats (computed in float32)."""
    checks.number(sigma, "sigma", above=0)
    mean = ops.cast(mean, "float32")
    x = ops.cast(x, "float32")
    squared = ops.reshape(ops.square(x - mean), (ops.shape(mean)[0], -1))
    num_pixels = ops.cast(ops.shape(squared)[1], "float32")
    return 0.5 * ops.sum(squared, axis=-1) / sigma**2 + num_pixels * math.log(sigma * math.sqrt(2 * math.pi))


def negative_log_likelihood(x, outputs, distribution, sigma=None):
    """Per-example -log p(x|z) for decoder ``outputs`` read as ``distribution``: the one place that dispatches."""
    if distribution == "bernoulli":
        return bernoulli_nll(x, outputs)
    return gaussian_nll(x, outputs, sigma)


@serializable
class PixelLikelihood(layers.Layer):
    """A decoder's last layer: names the distribution its outputs parameterize, and passes them on.

    distribution="bernoulli": the outputs are logits l, p(x_j = 1 | z) = sigmoid(l_j).
    distribution="gaussian": the outputs are pixel means m (after a sigmoid), x_j ~ N(m_j, sigma^2).
    The layer computes in float32 even under mixed precision: logits near 0 and 1 need the range.
    """

    def __init__(self, distribution="bernoulli", sigma=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        checks.one_of(distribution, "likelihood", DISTRIBUTIONS)
        if distribution == "gaussian":
            sigma = float(checks.number(sigma, "sigma", above=0))
        elif sigma is not None:
            raise ValueError("sigma belongs to a Gaussian likelihood; a Bernoulli one has no sigma.")
        self.distribution = distribution
        self.sigma = sigma

    def call(self, outputs):
        return outputs

    def nll(self, x, outputs):
        """Per-example -log p(x|z), in nats."""
        return negative_log_likelihood(x, outputs, self.distribution, self.sigma)

    def means(self, outputs):
        """The pixel means E[x|z] in [0, 1]: the picture of what the decoder expects."""
        return ops.sigmoid(outputs) if self.distribution == "bernoulli" else outputs

    def describe(self):
        """A short phrase for messages and cards, e.g. "Gaussian pixels, sigma 0.1"."""
        return "Bernoulli pixels" if self.distribution == "bernoulli" else f"Gaussian pixels, sigma {self.sigma:g}"

    def get_config(self):
        return {**super().get_config(), "distribution": self.distribution, "sigma": self.sigma}


def likelihood_of(decoder):
    """The :class:`PixelLikelihood` layer that ends ``decoder``, or a ValueError that says how to get one.

    First used in notebook 05.
    """
    checks.keras_model(decoder, "decoder")
    head = decoder.layers[-1]
    if not isinstance(head, PixelLikelihood):
        raise ValueError(f"the decoder {decoder.name!r} has no likelihood: its outputs are plain pixels. Build it "
                         "with build_decoder(..., output='bernoulli' or 'gaussian'), or build_vae, to evaluate it "
                         "as a probability model.")
    return head


def pixel_means(decoder, outputs):
    """Decoder ``outputs`` as images in [0, 1]: the likelihood's means, or the outputs of a plain decoder.

    First used in notebook 04.
    """
    checks.keras_model(decoder, "decoder")
    head = decoder.layers[-1]
    return head.means(outputs) if isinstance(head, PixelLikelihood) else outputs


@serializable
class ReconstructionLoss(keras.losses.Loss):
    """-log p(x|z) summed over pixels, per example: the reconstruction half of the negative ELBO."""

    def __init__(self, distribution="bernoulli", sigma=None, name="reconstruction_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.distribution, self.sigma = distribution, sigma

    def call(self, y_true, y_pred):
        return negative_log_likelihood(y_true, y_pred, self.distribution, self.sigma)

    def get_config(self):
        return {**super().get_config(), "distribution": self.distribution, "sigma": self.sigma}


@serializable
class ReconstructionMetric(keras.metrics.Mean):
    """Running mean of -log p(x|z), shown beside the loss in fit's history (the KL is their difference)."""

    def __init__(self, distribution="bernoulli", sigma=None, name="reconstruction", **kwargs):
        super().__init__(name=name, **kwargs)
        self.distribution, self.sigma = distribution, sigma

    def update_state(self, y_true, y_pred, sample_weight=None):
        nll = negative_log_likelihood(y_true, y_pred, self.distribution, self.sigma)
        return super().update_state(nll, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "distribution": self.distribution, "sigma": self.sigma}


def reconstruction_loss(decoder):
    """The Keras loss -log p(x|z) that matches ``decoder``'s likelihood.

    First used in notebook 06.
    """
    head = likelihood_of(decoder)
    return ReconstructionLoss(head.distribution, head.sigma)


def reconstruction_metric(decoder):
    """The running -log p(x|z) metric that matches ``decoder``'s likelihood.

    First used in notebook 06.
    """
    head = likelihood_of(decoder)
    return ReconstructionMetric(head.distribution, head.sigma)
