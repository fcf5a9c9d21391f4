"""The exercise checks: the reference answer passes, and answers students really write get their hint."""

import numpy as np
import pytest

from vaecourse.exercises import check

pytestmark = pytest.mark.unit


def _said(capsys, exercise, answer, *context):
    """(whether the check said "right", the line it printed)."""
    assert check(exercise, answer, *context) is None  # a notebook shows the printed line and nothing under it
    line = capsys.readouterr().out
    assert line.count("\n") == 1, line  # one line, whatever the answer
    return line == f"Exercise {exercise}: right.\n", line


# --- 00.1: mean ink per class ---------------------------------------------------------------

def test_mean_ink_per_class(mnist, capsys):
    x, y = mnist.x_train, mnist.y_train
    right = [x[y == d].mean() for d in range(10)]
    assert _said(capsys, "00.1", right, mnist) == (True, "Exercise 00.1: right.\n")
    assert _said(capsys, "00.1", [mnist.x_test[mnist.y_test == d].mean() for d in range(10)], mnist)[0]

    wrong = {
        "wrong order": [right[d] for d in range(9, -1, -1)],
        "sums": [x[y == d].sum() for d in range(10)],
        "only the pixels with ink": [x[y == d][x[y == d] > 0].mean() for d in range(10)],
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "00.1", answer, mnist)
        assert not passed and mistake in line, (mistake, line)
    passed, line = _said(capsys, "00.1", right[:9], mnist)
    assert not passed and "9 numbers, not one per class" in line
    passed, line = _said(capsys, "00.1", np.zeros(10), mnist)  # a placeholder, or the medians (all 0)
    assert not passed and "All ten of your numbers are 0" in line


# --- 00.2: the five test digits farthest from their class mean -----------------------------

def test_farthest_from_their_class_mean(mnist, capsys):
    x, y = mnist.x_test, mnist.y_test
    class_means = np.stack([mnist.x_train[mnist.y_train == d].mean(axis=0) for d in range(10)])
    distance = ((x - class_means[y]) ** 2).sum(axis=(1, 2, 3))
    assert _said(capsys, "00.2", np.argsort(distance)[-5:][::-1], mnist)[0]  # in any order

    passed, line = _said(capsys, "00.2", np.argsort(distance)[:5], mnist)
    assert not passed and "closest" in line
    overall = ((x - x.mean(axis=0)) ** 2).sum(axis=(1, 2, 3))
    passed, line = _said(capsys, "00.2", np.argsort(overall)[-5:], mnist)
    assert not passed and "mean of all digits" in line


# --- 00.3: binarizing at random -------------------------------------------------------------

def test_random_binarization(mnist, capsys):
    grey = mnist.x_train[:10]
    rng = np.random.default_rng(0)
    right = [(rng.random(grey.shape) < grey).astype("float32") for _ in range(2)]
    assert _said(capsys, "00.3", right, grey)[0]

    passed, line = _said(capsys, "00.3", [(grey > 0.5).astype("float32")] * 2, grey)
    assert not passed and "same image" in line
    reversed_draws = [(rng.random(grey.shape) > grey).astype("float32") for _ in range(2)]
    passed, line = _said(capsys, "00.3", reversed_draws, grey)
    assert not passed and "wrong way round" in line
    passed, line = _said(capsys, "00.3", right[0], grey)
    assert not passed and "shape" in line
    one_threshold_per_draw = [(grey > rng.random()).astype("float32") for _ in range(2)]
    passed, line = _said(capsys, "00.3", one_threshold_per_draw, grey)
    assert not passed and "look like thresholds" in line


# --- 04.1: the KL between two Gaussians -----------------------------------------------------

def test_kl_between_two_gaussians(capsys):
    def right(mu1, sigma1, mu2, sigma2):
        return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5

    assert _said(capsys, "04.1", right) == (True, "Exercise 04.1: right.\n")

    wrong = {
        "other direction": lambda m1, s1, m2, s2: np.log(s1 / s2) + (s2**2 + (m2 - m1) ** 2) / (2 * s1**2) - 0.5,
        "as variances": lambda m1, v1, m2, v2: 0.5 * np.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / (2 * v2) - 0.5,
        "constant term": lambda m1, s1, m2, s2: np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2),
        "wrong sign": lambda m1, s1, m2, s2: np.log(s1 / s2) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5,
        "means move apart": lambda m1, s1, m2, s2: np.log(s2 / s1) + s1**2 / (2 * s2**2) - 0.5,
        "which variance divides": lambda m1, s1, m2, s2: (np.log(s2 / s1) + s1**2 / (2 * s2**2)
                                                          + (m1 - m2) ** 2 / (2 * s1**2) - 0.5),
        "from itself is 0": lambda m1, s1, m2, s2: (m1 - m2) ** 2 + 1.0,
        "negative for": lambda m1, s1, m2, s2: np.log(s2 / s1) + (m1 - m2) ** 2,
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "04.1", answer)
        assert not passed and mistake in line, (mistake, line)


# --- 05.1: the IWAE estimate from log-weights -------------------------------------------------

def test_iwae_estimate(capsys):
    from scipy.special import logsumexp

    def right(log_weights):
        return logsumexp(log_weights, axis=1) - np.log(log_weights.shape[1])

    assert _said(capsys, "05.1", right) == (True, "Exercise 05.1: right.\n")
    def shifted_by_hand(log_weights):
        top = log_weights.max(axis=1, keepdims=True)
        return top[:, 0] + np.log(np.mean(np.exp(log_weights - top), axis=1))

    assert _said(capsys, "05.1", shifted_by_hand)[0]

    wrong = {
        "average of the log-weights, the ELBO's estimate": lambda lw: np.mean(lw, axis=1),
        "the weights' mean, not their sum": lambda lw: logsumexp(lw, axis=1),
        "only the largest weight": lambda lw: lw.max(axis=1),
        "one estimate per row": lambda lw: logsumexp(lw, axis=0) - np.log(lw.shape[0]),  # the wrong axis
        "underflows to 0 there even in float64": lambda lw: np.log(np.mean(np.exp(lw), axis=1)),  # naive
        "underflows to 0 in float32": lambda lw: np.log(np.mean(np.exp(lw.astype("float32")), axis=1)),
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "05.1", answer)
        assert not passed and mistake in line, (mistake, line)


# --- what any check says to an answer that is unfinished, malformed or crashes ----------------

def test_an_unfinished_or_broken_answer_gets_a_message_not_a_stack_trace(capsys):
    passed, line = _said(capsys, "04.1", ...)
    assert not passed and "nothing to check yet" in line and "kl(mu1, sigma1, mu2, sigma2)" in line
    passed, line = _said(capsys, "04.1", lambda mu, sigma: mu)
    assert not passed and "raised TypeError" in line
    passed, line = _said(capsys, "04.1", lambda *args: "0.5 nats")
    assert not passed and "not a number" in line
    passed, line = _said(capsys, "04.1", 0.5)
    assert not passed and "not a function" in line
    passed, line = _said(capsys, "99.9", 0.5)
    assert not passed and "no check for exercise '99.9'" in line and "04.1" in line


def test_a_function_left_as_the_answer_cell_gave_it_is_unfinished(capsys):
    """The answer cells of 01.5 and 04.1 give the function's signature with a body of ``...``: it returns None."""
    def kl(mu1, sigma1, mu2, sigma2):
        ...

    def posterior(x, W, mu, sigma2):
        ...

    for exercise, answer in (("04.1", kl), ("01.5", posterior)):
        passed, line = _said(capsys, exercise, answer)
        assert line.startswith(f"Exercise {exercise}: nothing to check yet. Your function returns None: it has no "
                               "return statement"), line
    passed, line = _said(capsys, "01.5", lambda x, W, mu, sigma2: W.T @ (x - mu))  # the mean alone
    assert not passed and "yours have other shapes" in line, line
    passed, line = _said(capsys, "01.5", lambda x, W, mu, sigma2: (x, W, mu))  # three things
    assert not passed and "should return two things" in line, line


def test_a_binarization_with_the_wrong_chance_of_ink_is_told_so(mnist, capsys):
    grey = mnist.x_train[:10]
    rng = np.random.default_rng(0)
    passed, line = _said(capsys, "00.3", [(rng.random(grey.shape) < grey / 2).astype("float32") for _ in range(2)],
                         grey)
    assert not passed and "chance of ink should equal the grey level" in line and "wrong way" not in line


# --- 06.2: free bits ------------------------------------------------------------------------

def _free_bits_layer(charge, passes_on=True):
    """A layer as a student writes it, charging ``charge(per_example_and_dimension_kl, free_nats)``."""
    from keras import layers, ops

    class FreeBitsKL(layers.Layer):
        def __init__(self, free_nats=0.5, **kwargs):
            super().__init__(**kwargs)
            self.free_nats = free_nats

        def call(self, inputs):
            z_mean, z_log_var = inputs
            kl = -0.5 * (1 + z_log_var - z_mean**2 - ops.exp(z_log_var))
            self.add_loss(charge(kl, self.free_nats))
            return (z_mean, z_log_var) if passes_on else z_mean

    return FreeBitsKL


def test_free_bits(capsys):
    from keras import ops

    right = _free_bits_layer(lambda kl, floor: ops.sum(ops.maximum(ops.mean(kl, axis=0), floor)))
    assert _said(capsys, "06.2", right) == (True, "Exercise 06.2: right.\n")

    wrong = {
        "floored each digit's KL": lambda kl, floor: ops.mean(ops.sum(ops.maximum(kl, floor), axis=1)),
        "A floor on the total": lambda kl, floor: ops.maximum(ops.sum(ops.mean(kl, axis=0)), floor),
        "max, not min": lambda kl, floor: ops.sum(ops.minimum(ops.mean(kl, axis=0), floor)),
        "plain KL": lambda kl, floor: ops.sum(ops.mean(kl, axis=0)),
        "summed each dimension's KL over the digits": lambda kl, floor: ops.sum(ops.maximum(ops.sum(kl, axis=0),
                                                                                           floor)),
        "averaged the floored KL over the dimensions": lambda kl, floor: ops.mean(ops.maximum(ops.mean(kl, axis=0),
                                                                                             floor)),
    }
    for mistake, charge in wrong.items():
        passed, line = _said(capsys, "06.2", _free_bits_layer(charge))
        assert not passed and mistake in line, (mistake, line)
    passed, line = _said(capsys, "06.2", _free_bits_layer(lambda kl, floor: ops.sum(kl) * 0))
    assert not passed and "Check your KL first" in line and "adds 0 nats" in line
    passed, line = _said(capsys, "06.2", _free_bits_layer(lambda kl, floor: ops.sum(ops.mean(kl, axis=0) + floor)))
    assert not passed and "free bits would charge something else" in line
    passed, line = _said(capsys, "06.2", _free_bits_layer(
        lambda kl, floor: ops.sum(ops.maximum(ops.mean(kl, axis=0), floor)), passes_on=False))
    assert not passed and "return its inputs" in line
    passed, line = _said(capsys, "06.2", _free_bits_layer(lambda kl, floor: kl.no_such_method()))
    assert not passed and "raised AttributeError" in line and "no_such_method" in line
    passed, line = _said(capsys, "06.2", right())
    assert not passed and "a layer, not its class" in line
    fixed_floor = _free_bits_layer(lambda kl, floor: ops.sum(ops.maximum(ops.mean(kl, axis=0), 0.5)))
    passed, line = _said(capsys, "06.2", fixed_floor)
    assert not passed and "use the free_nats the layer is given" in line


def test_free_bits_left_as_the_answer_cell_gave_it(capsys):
    from keras import layers

    class FreeBitsKL(layers.Layer):
        def __init__(self, free_nats=0.5, **kwargs):
            super().__init__(**kwargs)
            self.free_nats = free_nats

        def call(self, inputs):
            ...

    passed, line = _said(capsys, "06.2", FreeBitsKL)
    assert not passed and "adds no loss" in line


def test_free_bits_with_a_wrong_kl_points_at_the_kl(capsys):
    from keras import layers, ops

    class HalfForgotten(layers.Layer):  # the KL without its factor 1/2
        def __init__(self, free_nats=0.5, **kwargs):
            super().__init__(**kwargs)
            self.free_nats = free_nats

        def call(self, inputs):
            z_mean, z_log_var = inputs
            kl = -(1 + z_log_var - z_mean**2 - ops.exp(z_log_var))
            self.add_loss(ops.sum(ops.maximum(ops.mean(kl, axis=0), self.free_nats)))
            return z_mean, z_log_var

    passed, line = _said(capsys, "06.2", HalfForgotten)
    assert not passed and "Check your KL first" in line and "adds 4.718 nats" in line


# --- 01.5: the PPCA posterior ----------------------------------------------------------------

def test_ppca_posterior(capsys):
    def right(x, W, mu, sigma2):
        M = W.T @ W + sigma2 * np.eye(W.shape[1])
        return np.linalg.inv(M) @ W.T @ (x - mu), sigma2 * np.linalg.inv(M)

    assert _said(capsys, "01.5", right) == (True, "Exercise 01.5: right.\n")

    def without_sigma_in_cov(x, W, mu, sigma2):
        M = W.T @ W + sigma2 * np.eye(W.shape[1])
        return np.linalg.inv(M) @ W.T @ (x - mu), np.linalg.inv(M)

    def centring_forgotten(x, W, mu, sigma2):
        M = W.T @ W + sigma2 * np.eye(W.shape[1])
        return np.linalg.inv(M) @ W.T @ x, sigma2 * np.linalg.inv(M)

    def outer_product(x, W, mu, sigma2):
        M = W @ W.T + sigma2 * np.eye(W.shape[0])
        return np.linalg.inv(M) @ W.T @ (x - mu), sigma2 * np.linalg.inv(M)

    def covariance_not_inverted(x, W, mu, sigma2):
        M = W.T @ W + sigma2 * np.eye(W.shape[1])
        return np.linalg.inv(M) @ W.T @ (x - mu), sigma2 * M

    wrong = {"misses a factor": without_sigma_in_cov, "ignores mu": centring_forgotten,
             "raised ValueError": outer_product, "Your mean is right, your covariance is not": covariance_not_inverted}
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "01.5", answer)
        assert not passed and mistake in line, (mistake, line)


# --- 07.2: a Gaussian reconstruction loss ------------------------------------------------------

def test_gaussian_reconstruction_loss(capsys):
    import tensorflow as tf
    import tensorflow_probability as tfp

    tfd = tfp.distributions

    def loss(scale=0.1, sign=-1.0, independent=True):
        def gaussian_reconstruction_loss(x, pixel_means):
            pixels = tfd.Normal(loc=pixel_means, scale=scale)
            return sign * (tfd.Independent(pixels, reinterpreted_batch_ndims=3) if independent else pixels).log_prob(x)
        return gaussian_reconstruction_loss

    assert _said(capsys, "07.2", loss()) == (True, "Exercise 07.2: right.\n")
    wrong = {
        "where the standard deviation 0.1 belongs": loss(scale=0.01),
        "the loss Keras minimises is its negative": loss(sign=1.0),
        "one number per image": loss(independent=False),
        "the normalising constant": lambda x, m: tf.reduce_sum(tf.square(x - m), axis=[1, 2, 3]) / (2 * 0.1**2),
        "This is the mean squared error": lambda x, m: tf.reduce_mean(tf.square(x - m), axis=[1, 2, 3]),
        "averaged over the 784 pixels": lambda x, m: tf.reduce_mean(-tfd.Normal(m, 0.1).log_prob(x), axis=[1, 2, 3]),
        "check each part, and the sign": lambda x, m: loss()(x, m) + 1.0,
        "you averaged or summed over the batch as well": lambda x, m: tf.reduce_mean(loss()(x, m)),
        "Your function returns a Python list": lambda x, m: [float(v) for v in loss()(x, m)],
        "it has no return statement of its own yet": lambda x, m: None,
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "07.2", answer)
        assert not passed and mistake in line, (mistake, line)


# --- 08.1: a CVAE's ELBO under every label ---------------------------------------------------

def test_elbo_per_label(mnist, capsys):
    from vaecourse.elbo import kl_to_standard_normal
    from vaecourse.likelihoods import bernoulli_nll
    from vaecourse.models import build_cvae

    encoder, decoder, _ = build_cvae(2, hidden_units=(32,), seed=0)
    x = mnist.x_test[:12]
    one_hot = np.eye(10, dtype="float32")

    def scores(kl_sign=-1.0, use_label=True, keep_kl=True):
        def elbo_per_label(images):
            columns = []
            for k in range(10):
                y = np.tile(one_hot[k if use_label else 0], (len(images), 1))
                z_mean, z_log_var, _ = (np.asarray(t) for t in encoder([images, y], training=False))
                reconstruction = -bernoulli_nll(images, decoder([z_mean, y], training=False))
                kl = kl_to_standard_normal(z_mean, z_log_var) if keep_kl else 0.0
                columns.append(np.asarray(reconstruction + kl_sign * kl))
            return np.stack(columns, axis=1)
        return elbo_per_label

    assert _said(capsys, "08.1", scores(), encoder, decoder, x) == (True, "Exercise 08.1: right.\n")
    wrong = {
        "arg-max them and you pick the least likely label": lambda images: -scores()(images),
        "leave out the KL term": scores(keep_kl=False),
        "The KL is added": scores(kl_sign=1.0),
        "the label k must go into the encoder and the decoder": scores(use_label=False),
        "one row per image and one column per label": lambda images: scores()(images).T,
        "differ from each image's ELBO": lambda images: scores()(images) + np.arange(10),
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "08.1", answer, encoder, decoder, x)
        assert not passed and mistake in line, (mistake, line)


# --- 09.2: a class vector -----------------------------------------------------------------------

def test_class_vector(capsys):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 300)
    codes = rng.normal(size=(300, 10)) + labels[:, None] * 0.1
    fours, nines = codes[labels == 4], codes[labels == 9]
    right = fours.mean(axis=0) - nines.mean(axis=0)
    assert _said(capsys, "09.2", right, codes, labels) == (True, "Exercise 09.2: right.\n")

    wrong = {
        "points from the 4s to the 9s": -right,
        "the mean code of the 4s alone": fours.mean(axis=0),
        "A difference of sums": fours.sum(axis=0) - nines.sum(axis=0),
        "you changed its length": right / np.linalg.norm(right),
        "one per latent dimension, 10": np.zeros(784),
        "not of other digits or samples": right + rng.normal(0, 0.01, 10),  # the test codes', say: close, not equal
        "not the difference of the two classes' mean codes": rng.normal(size=10),
    }
    for mistake, answer in wrong.items():
        passed, line = _said(capsys, "09.2", answer, codes, labels)
        assert not passed and mistake in line, (mistake, line)
