"""How good is a trained model? ELBO, importance-sampled log-likelihood, KL per dimension, active units, MSE, PSNR.

All log-likelihood figures are in nats per image, averaged over the images
given. For a VAE, ``elbo <= log p(x)``; the importance-sampled estimate with K
samples (the IWAE bound) lies between the two and rises towards log p(x) as K
grows. The likelihood p(x|z) is the decoder's own (its
:class:`~vaecourse.likelihoods.PixelLikelihood` layer), so it cannot be given
wrongly. Memory stays bounded whatever the number of samples: at most
``max_decodes`` images are decoded at once.
"""

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from . import checks
from .elbo import kl_to_standard_normal
from .likelihoods import likelihood_of

MAX_DECODES = 10_000  # decoded images held at once: about 31 MB per tensor of 28 x 28 pixels


@dataclass(frozen=True)
class ELBO:
    """A held-out ELBO split into its two parts: elbo = reconstruction - kl."""

    elbo: float  # or, from evaluate_elbo(..., per_image=True), arrays of one value per image
    reconstruction: float  # E_q[log p(x|z)], a negative number of nats for Bernoulli pixels
    kl: float  # KL(q(z|x) || p(z)), nats

    def __str__(self):
        return (f"ELBO {self.elbo:.1f} nats = reconstruction {self.reconstruction:.1f} "
                f"- KL {self.kl:.1f}")


def evaluate_elbo(encoder, decoder, x, *, labels=None, num_samples=1, max_decodes=MAX_DECODES, seed=0,
                  per_image=False):
    """Average ELBO of images ``x`` under a trained VAE (or CVAE, given ``labels``).

    The KL part is exact (closed form for Gaussians); the reconstruction part
    averages log p(x|z) over ``num_samples`` draws z ~ q(z|x). With
    ``per_image=True`` the three fields are arrays, one value per image.

    First used in notebook 05.
    """
    recon, kl = [], []
    for posterior, chunks in _posterior_draws(encoder, decoder, x, labels, num_samples, max_decodes, seed):
        kl.append(kl_to_standard_normal(*posterior))
        recon.append(sum(tf.reduce_sum(log_px, axis=0) for log_px, _ in chunks) / num_samples)
    recon, kl = tf.concat(recon, 0).numpy(), tf.concat(kl, 0).numpy()
    if per_image:
        return ELBO(elbo=recon - kl, reconstruction=recon, kl=kl)
    recon, kl = float(np.mean(recon)), float(np.mean(kl))
    return ELBO(elbo=recon - kl, reconstruction=recon, kl=kl)


def importance_sampled_log_likelihood(encoder, decoder, x, *, labels=None, num_samples=100,
                                      max_decodes=MAX_DECODES, seed=0, per_image=False):
    """Estimate log p(x) by importance sampling with q(z|x) as the proposal.

    log p(x) ~ log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x),  z_k ~ q(z|x).

    Its expectation is the IWAE bound: at least the ELBO, and rising towards
    log p(x) as K = ``num_samples`` grows. The sum runs as a log-sum-exp, in
    chunks of samples when K is large. Returns the average over images in nats,
    or one estimate per image with ``per_image=True``.

    First used in notebook 05.
    """
    estimates = []
    for _, chunks in _posterior_draws(encoder, decoder, x, labels, num_samples, max_decodes, seed):
        total = None
        for log_px, log_ratio in chunks:
            part = tf.reduce_logsumexp(log_px + log_ratio, axis=0)
            total = part if total is None else tf.reduce_logsumexp(tf.stack([total, part]), axis=0)
        estimates.append(total - math.log(num_samples))
    estimates = tf.concat(estimates, 0).numpy()
    return estimates if per_image else float(np.mean(estimates))


def kl_per_dimension(encoder, x, *, labels=None, batch_size=1000):
    """Each latent dimension's share of KL(q(z|x) || N(0, I)), averaged over the images, in nats: shape (d,).

    The KL of a diagonal Gaussian is a sum over dimensions, so this splits the
    rate between them. A collapsed dimension has q(z_j | x) = N(0, 1) for every
    image and a share of zero; a used one pays for what it carries about x
    (notebook 06 counts collapse with it).

    First used in notebook 06.
    """
    x, condition = _check_encoder_inputs(encoder, x, labels)
    shares = []
    for start in range(0, len(x), checks.integer(batch_size, "batch_size", at_least=1)):
        mean, log_var = _posterior(encoder, *_batch(x, condition, start, batch_size))
        mean, log_var = np.asarray(mean, "float64"), np.asarray(log_var, "float64")
        shares.append(0.5 * (np.square(mean) + np.exp(log_var) - 1.0 - log_var))
    return np.mean(np.concatenate(shares), axis=0)


def active_units(encoder, x, *, labels=None, threshold=0.01, batch_size=1000):
    """How many latent dimensions the encoder uses: those whose posterior mean varies across images.

    A dimension j is active if Var_x(E_q[z_j | x]) > ``threshold`` (Burda et
    al., 2016). An inactive one has collapsed onto the prior: its posterior
    mean is the same for every image, so it carries nothing about x.
    Returns (number of active units, per-dimension variances).

    First used in notebook 06.
    """
    x, condition = _check_encoder_inputs(encoder, x, labels)
    checks.number(threshold, "threshold", above=0)
    means = [_posterior(encoder, *_batch(x, condition, start, batch_size))[0]
             for start in range(0, len(x), checks.integer(batch_size, "batch_size", at_least=1))]
    variances = np.var(np.concatenate(means), axis=0)
    return int(np.sum(variances > threshold)), variances


def reconstruction_nll(autoencoder, decoder, x, batch_size=1000):
    """Average -log p(x | decoder(code)) of a plain autoencoder with a likelihood decoder, in nats."""
    checks.images(x)
    head = likelihood_of(decoder)
    values = [head.nll(x[i:i + batch_size], autoencoder(x[i:i + batch_size], training=False))
              for i in range(0, len(x), checks.integer(batch_size, "batch_size", at_least=1))]
    return float(tf.reduce_mean(tf.concat(values, 0)))


def reconstruction_mse(x, x_hat):
    """Mean squared error per pixel between two image arrays of the same shape.

    First used in notebook 03.
    """
    _check_pair(x, x_hat)
    return float(np.mean(_per_image_mse(x, x_hat)))


def psnr(x, x_hat, max_value=1.0):
    """Peak signal-to-noise ratio in dB, 10 log10(max^2 / MSE), averaged over images.

    Higher is better. Each image's PSNR is computed on its own and then
    averaged, so the average is not a function of the average MSE: a few very
    good images can raise it more than a few bad ones lower it. A perfect image
    would give infinity, so its MSE is floored at 1e-10.

    First used in notebook 03.
    """
    _check_pair(x, x_hat)
    checks.number(max_value, "max_value", above=0)
    per_image = _per_image_mse(x, x_hat)
    return float(np.mean(10 * np.log10(max_value**2 / np.maximum(per_image, 1e-10))))


def _per_image_mse(x, x_hat, chunk=1000):
    """Each image's mean squared error, in float64, a chunk of images at a time.

    On 10,000 test digits the whole difference in float64 would hold 63 MB a
    copy, several copies at once; a chunk holds a tenth of one.
    """
    pixels = tuple(range(1, x.ndim))
    return np.concatenate([np.mean(np.square(x[i:i + chunk].astype("float64") - x_hat[i:i + chunk]), axis=pixels)
                           for i in range(0, len(x), chunk)])


# --- the sampling loop that the ELBO and the IWAE bound share -----------------

def _posterior_draws(encoder, decoder, x, labels, num_samples, max_decodes, seed):
    """Yield, per batch of images, (z_mean, z_log_var) and an iterator over chunks of samples.

    Each chunk is (log p(x|z), log p(z) - log q(z|x)), both of shape
    (samples in the chunk, images in the batch), with at most ``max_decodes``
    images decoded at once. The draws are seeded: the same call gives the
    same numbers.
    """
    head = likelihood_of(decoder)
    x, condition = _check_encoder_inputs(encoder, x, labels)
    checks.integer(num_samples, "num_samples", at_least=1)
    checks.integer(max_decodes, "max_decodes", at_least=1)
    batch_size = max(1, min(len(x), max_decodes // num_samples))
    chunk = min(num_samples, max(1, max_decodes // batch_size))
    generator = tf.random.Generator.from_seed(seed)

    def chunks(xb, cb, z_mean, z_log_var):
        for done in range(0, num_samples, chunk):
            k = min(chunk, num_samples - done)
            z = z_mean + tf.exp(0.5 * z_log_var) * generator.normal((k, *z_mean.shape))
            flat_z = tf.reshape(z, (-1, z.shape[-1]))
            outputs = decoder(flat_z if cb is None else [flat_z, tf.tile(cb, (k, 1))], training=False)
            log_px = -tf.reshape(head.nll(tf.tile(xb, (k, 1, 1, 1)), outputs), (k, -1))
            yield log_px, _log_normal(z, 0.0, 0.0) - _log_normal(z, z_mean, z_log_var)

    for start in range(0, len(x), batch_size):
        xb, cb = _batch(x, condition, start, batch_size)
        z_mean, z_log_var = _posterior(encoder, xb, cb)
        yield (z_mean, z_log_var), chunks(xb, cb, z_mean, z_log_var)


def _log_normal(z, mean, log_var):
    """log N(z; mean, diag exp(log_var)), summed over the last axis."""
    return -0.5 * tf.reduce_sum(math.log(2 * math.pi) + log_var + (z - mean) ** 2 / tf.exp(log_var), axis=-1)


def _posterior(encoder, xb, cb):
    z_mean, z_log_var, _ = encoder(xb if cb is None else [xb, cb], training=False)
    return tf.convert_to_tensor(z_mean), tf.convert_to_tensor(z_log_var)


def _batch(x, condition, start, size):
    xb = tf.constant(x[start:start + size])
    cb = None if condition is None else tf.constant(condition[start:start + size])
    return xb, cb


def _check_encoder_inputs(encoder, x, labels):
    """The images as float32 and the one-hot labels (or None), checked against the encoder."""
    checks.keras_model(encoder, "encoder")
    if len(encoder.outputs) != 3:
        raise ValueError("encoder must be a VAE encoder with outputs (z_mean, z_log_var, z), "
                         f"got {len(encoder.outputs)} output(s).")
    checks.images(x)
    expected = tuple(encoder.inputs[0].shape[1:])
    if x.shape[1:] != expected:
        raise ValueError(f"x has images of shape {x.shape[1:]}, the encoder expects {expected}.")
    conditional = len(encoder.inputs) == 2
    if conditional != (labels is not None):
        raise ValueError("labels must be given for a conditional VAE and only for one.")
    condition = None
    if conditional:
        num_classes = encoder.inputs[1].shape[-1]
        labels = checks.labels(labels, "labels", len(x), num_classes)
        condition = np.eye(num_classes, dtype="float32")[labels]
    return x.astype("float32", copy=False), condition


def _check_pair(x, x_hat):
    checks.images(x, "x")
    if not isinstance(x_hat, np.ndarray) or x_hat.shape != x.shape:
        shape = getattr(x_hat, "shape", type(x_hat).__name__)
        raise ValueError(f"x_hat must be a NumPy array with the shape of x {x.shape}, got {shape}.")
    if not np.all(np.isfinite(x_hat)):
        raise ValueError("x_hat contains NaN or infinite values.")
