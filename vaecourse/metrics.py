"""How good is a trained model? ELBO, importance-sampled log-likelihood, MSE, PSNR.

All log-likelihood figures are in nats per image, averaged over the images
given. For a VAE, ``elbo <= log p(x)``; the importance-sampled estimate with k
samples (the IWAE bound) lies between the two and rises towards log p(x) as k
grows.
"""

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from .data import check_images, check_labels
from .models import LIKELIHOODS, _check_model, bernoulli_nll, decoder_emits_logits, gaussian_nll


@dataclass(frozen=True)
class ELBO:
    """A held-out ELBO split into its two parts: elbo = reconstruction - kl."""

    elbo: float
    reconstruction: float  # E_q[log p(x|z)], a negative number of nats
    kl: float  # KL(q(z|x) || p(z)), nats

    def __str__(self):
        return (f"ELBO {self.elbo:.1f} nats = reconstruction {self.reconstruction:.1f} "
                f"- KL {self.kl:.1f}")


def evaluate_elbo(encoder, decoder, x, *, labels=None, likelihood="bernoulli", sigma=0.1,
                  num_samples=1, batch_size=500, seed=0):
    """Average ELBO of images ``x`` under a trained VAE (or CVAE, given ``labels``).

    The KL part is exact (closed form for Gaussians); the reconstruction part
    averages log p(x|z) over ``num_samples`` draws z ~ q(z|x).
    """
    x, condition = _check_inputs(encoder, decoder, x, labels, likelihood, num_samples, batch_size)
    generator = tf.random.Generator.from_seed(seed)
    recon, kl = [], []
    for start in range(0, len(x), batch_size):
        xb, cb = _batch(x, condition, start, batch_size)
        z_mean, z_log_var = _posterior(encoder, xb, cb)
        kl.append(-0.5 * tf.reduce_sum(1 + z_log_var - z_mean**2 - tf.exp(z_log_var), axis=-1))
        eps = generator.normal((num_samples, *z_mean.shape))
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        log_px = _log_px_given_z(decoder, xb, cb, z, likelihood, sigma)
        recon.append(tf.reduce_mean(log_px, axis=0))
    recon = float(tf.reduce_mean(tf.concat(recon, 0)))
    kl = float(tf.reduce_mean(tf.concat(kl, 0)))
    return ELBO(elbo=recon - kl, reconstruction=recon, kl=kl)


def importance_sampled_log_likelihood(encoder, decoder, x, *, labels=None, num_samples=100,
                                      likelihood="bernoulli", sigma=0.1, batch_size=100, seed=0):
    """Estimate log p(x) by importance sampling with q(z|x) as the proposal.

    log p(x) ~ log (1/k) sum_k p(x|z_k) p(z_k) / q(z_k|x),  z_k ~ q(z|x).

    Its expectation is the IWAE bound: at least the ELBO, and rising towards
    log p(x) as k = ``num_samples`` grows. Computed with log-sum-exp for
    numerical stability; returns the average over images, in nats.
    """
    x, condition = _check_inputs(encoder, decoder, x, labels, likelihood, num_samples, batch_size)
    generator = tf.random.Generator.from_seed(seed)
    estimates = []
    for start in range(0, len(x), batch_size):
        xb, cb = _batch(x, condition, start, batch_size)
        z_mean, z_log_var = _posterior(encoder, xb, cb)
        eps = generator.normal((num_samples, *z_mean.shape))
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        log_prior = _log_normal(z, 0.0, 0.0)
        log_q = _log_normal(z, z_mean, z_log_var)
        log_weights = _log_px_given_z(decoder, xb, cb, z, likelihood, sigma) + log_prior - log_q
        estimates.append(tf.reduce_logsumexp(log_weights, axis=0) - math.log(num_samples))
    return float(tf.reduce_mean(tf.concat(estimates, 0)))


def reconstruction_mse(x, x_hat):
    """Mean squared error per pixel between two image arrays of the same shape."""
    _check_pair(x, x_hat)
    return float(np.mean((x.astype("float64") - x_hat) ** 2))


def psnr(x, x_hat, max_value=1.0):
    """Peak signal-to-noise ratio in dB, 10 log10(max^2 / MSE), averaged over images.

    Higher is better; each image's PSNR is computed on its own (a perfect
    image would give infinity, so its MSE is floored at 1e-10).
    """
    _check_pair(x, x_hat)
    if not (isinstance(max_value, (int, float)) and max_value > 0):
        raise ValueError(f"max_value must be a positive number, got {max_value!r}.")
    per_image = np.mean((x.astype("float64") - x_hat) ** 2, axis=tuple(range(1, x.ndim)))
    return float(np.mean(10 * np.log10(max_value**2 / np.maximum(per_image, 1e-10))))


def _log_normal(z, mean, log_var):
    """log N(z; mean, diag exp(log_var)), summed over the last axis."""
    return -0.5 * tf.reduce_sum(math.log(2 * math.pi) + log_var + (z - mean) ** 2 / tf.exp(log_var), axis=-1)


def _posterior(encoder, xb, cb):
    z_mean, z_log_var, _ = encoder(xb if cb is None else [xb, cb], training=False)
    return tf.convert_to_tensor(z_mean), tf.convert_to_tensor(z_log_var)


def _log_px_given_z(decoder, xb, cb, z, likelihood, sigma):
    """log p(x|z) for z of shape (k, batch, latent); returns shape (k, batch)."""
    k, batch = z.shape[0], z.shape[1]
    flat_z = tf.reshape(z, (k * batch, -1))
    decoder_input = flat_z if cb is None else [flat_z, tf.tile(cb, (k, 1))]
    outputs = tf.convert_to_tensor(decoder(decoder_input, training=False))
    targets = tf.tile(xb, (k, 1, 1, 1))
    if likelihood == "bernoulli":
        nll = bernoulli_nll(targets, outputs)
    else:
        nll = gaussian_nll(targets, outputs, sigma)
    return -tf.reshape(nll, (k, batch))


def _batch(x, condition, start, size):
    xb = tf.constant(x[start:start + size])
    cb = None if condition is None else tf.constant(condition[start:start + size])
    return xb, cb


def _check_inputs(encoder, decoder, x, labels, likelihood, num_samples, batch_size):
    _check_model(encoder, "encoder")
    _check_model(decoder, "decoder")
    if len(encoder.outputs) != 3:
        raise ValueError("encoder must be a VAE encoder with outputs (z_mean, z_log_var, z), "
                         f"got {len(encoder.outputs)} output(s).")
    check_images(x)
    expected = tuple(encoder.inputs[0].shape[1:])
    if x.shape[1:] != expected:
        raise ValueError(f"x has images of shape {x.shape[1:]}, the encoder expects {expected}.")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}.")
    if (likelihood == "bernoulli") != decoder_emits_logits(decoder):
        raise ValueError(f"likelihood={likelihood!r} does not match the decoder, which outputs "
                         f"{'logits' if decoder_emits_logits(decoder) else 'pixel means'}; "
                         "use the likelihood the model was built with.")
    for name, value in (("num_samples", num_samples), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    conditional = len(encoder.inputs) == 2
    if conditional != (labels is not None):
        raise ValueError("labels must be given for a conditional VAE and only for one.")
    condition = None
    if conditional:
        num_classes = encoder.inputs[1].shape[-1]
        labels = check_labels(labels, len(x), num_classes, name="labels")
        condition = np.eye(num_classes, dtype="float32")[labels]
    return x.astype("float32"), condition


def _check_pair(x, x_hat):
    check_images(x, "x")
    if not isinstance(x_hat, np.ndarray) or x_hat.shape != x.shape:
        shape = getattr(x_hat, "shape", type(x_hat).__name__)
        raise ValueError(f"x_hat must be a NumPy array with the shape of x {x.shape}, got {shape}.")
    if not np.all(np.isfinite(x_hat)):
        raise ValueError("x_hat contains NaN or infinite values.")
