"""The loss of a VAE in one place: what the negative ELBO is, and which code computes each part.

For one image x, with the encoder's Gaussian q(z|x) = N(mu, diag sigma^2) and
one draw z = mu + sigma * eps (eps ~ N(0, I), the :class:`Sampling` layer)::

    loss(x) = -log p(x | z)                      reconstruction, in nats, summed over pixels
              + beta * KL(q(z|x) || N(0, I))     closed form, summed over latent dimensions

and ``fit`` minimises its average over the batch (beta = 1: the negative
ELBO, notebook 04; other betas: notebook 06). In the Keras model the two terms
come from two places, and ``fit`` adds them:

* the KL term: the encoder's :class:`KLDivergence` layer calls ``add_loss``
  with :func:`kl_to_standard_normal`, so the term travels with the encoder;
* the reconstruction term: the compiled loss,
  :func:`vaecourse.likelihoods.reconstruction_loss`, which reads the decoder's
  likelihood layer (Bernoulli: :func:`vaecourse.likelihoods.bernoulli_nll`;
  Gaussian: :func:`vaecourse.likelihoods.gaussian_nll`).

:func:`vaecourse.metrics.evaluate_elbo` computes the same two terms on held-out
digits, and notebook 04 writes the whole step out by hand with
``tf.GradientTape`` and checks that it matches ``fit``.
"""

import keras
from keras import layers, ops

from . import checks

serializable = keras.saving.register_keras_serializable(package="vaecourse")


@serializable
class Sampling(layers.Layer):
    """Reparameterization trick: z = mu + sigma * eps with eps ~ N(0, I).

    The randomness sits in eps, outside the path from (mu, log sigma^2) to z,
    so gradients flow into the encoder. A ``SeedGenerator`` makes the draws
    reproducible.

    First used in notebook 04.
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

    First used in notebook 04.
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(checks.number(beta, "beta", at_least=0))

    def call(self, inputs):
        z_mean, z_log_var = inputs
        self.add_loss(self.beta * ops.mean(kl_to_standard_normal(z_mean, z_log_var)))
        return z_mean, z_log_var

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


def kl_to_standard_normal(z_mean, z_log_var):
    """Per-example KL(N(mu, diag exp(v)) || N(0, I)) in nats (float32 even under mixed precision).

    First used in notebook 04.
    """
    z_mean, z_log_var = ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
