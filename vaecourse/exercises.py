"""Feedback on your own answer to an exercise: what looks wrong and where to look, never the answer.

An exercise that asks for code or a number has a check, which you call in the
notebook on your answer::

    from vaecourse.exercises import check
    check("04.1", my_kl)  # exercise 1 of notebook 04: your function kl(mu1, sigma1, mu2, sigma2)

A check tries the answer on inputs of its own and compares it with the
course's reference. When they differ, it first asks whether the answer is one
of the mistakes students often make (a variance where a standard deviation
belongs, the KL's two directions swapped, a fixed threshold where a random one
was asked for, ...) and names that mistake; otherwise it says which property
fails, on which input. It prints one line and never raises, so an unfinished
answer or one that crashes gets a message, not a stack trace.
"""

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

_UNFINISHED = (None, Ellipsis, NotImplemented)


@dataclass(frozen=True)
class _Check:
    what: str  # what the answer must be, for the message about an unfinished or malformed answer
    run: object  # run(answer, *context) -> None when right, else the hint


_CHECKS = {}


def _exercise(key, what):
    def register(run):
        _CHECKS[key] = _Check(what, run)
        return run

    return register


def check(exercise, answer, *context):
    """Print whether ``answer`` to ``exercise`` (e.g. "04.1") holds, or a hint at what is wrong.

    It returns nothing, so that a notebook shows the one line it prints and nothing under it.

    ``context`` is what the exercise's answer is about, where it needs it (the
    ``mnist`` record, the grey digits you binarized).

    First used in notebook 00.
    """
    print(verdict(exercise, answer, *context))


def verdict(exercise, answer, *context):
    """The line :func:`check` prints: "Exercise NN.k: right.", or "... not yet." and the hint."""
    if exercise not in _CHECKS:
        known = ", ".join(sorted(_CHECKS))
        return f"There is no check for exercise {exercise!r}; the exercises with checks are: {known}."
    entry = _CHECKS[exercise]
    if any(answer is unfinished for unfinished in _UNFINISHED):
        return f"Exercise {exercise}: nothing to check yet. Your answer should be {entry.what}."
    try:
        hint = entry.run(answer, *context)
    except _Unfinished as problem:
        return f"Exercise {exercise}: nothing to check yet. {problem} Your answer should be {entry.what}."
    except _Malformed as problem:
        hint = f"{problem} Your answer should be {entry.what}."
    return f"Exercise {exercise}: right." if hint is None else f"Exercise {exercise}: not yet. {hint}"


class _Malformed(Exception):
    """The answer is not the kind of thing the exercise asks for."""


class _Unfinished(_Malformed):
    """The answer is a function still without a return of its own, as its answer cell gave it."""


def _returned(function, args, inputs):
    """What the student's ``function(*args)`` returned; a crash, or a function with no return of its own yet,
    becomes a message (``inputs`` says what it was called with, e.g. "for 20 test digits")."""
    try:
        with np.errstate(all="ignore"):  # an underflow or a log(0) is told in words, not as NumPy's warning
            value = function(*args)
    except Exception as error:  # any mistake in the student's code is reported, not raised
        raise _Malformed(f"Your function raised {_short(error)} {inputs}.") from None
    if any(value is unfinished for unfinished in _UNFINISHED):
        raise _Unfinished(f"Your function returns {value!r}: it has no return statement of its own yet.")
    return value


def _call(function, *args):
    """``function(*args)`` as a float; a crash or a non-number becomes a message that names the input."""
    shown = ", ".join(f"{value:g}" for value in args)
    value = _returned(function, args, f"when called with ({shown})")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _Malformed(f"Your function returned {type(value).__name__} for ({shown}), not a number.") from None


def _short(error):
    """``TypeError (the first line that says what went wrong)``, without Keras' wrapping or colour codes."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()]
    said = [line for line in lines if line and not line.startswith(("Exception encountered", "Arguments received",
                                                                     "•"))]
    return f"{type(error).__name__} ({said[0] if said else 'no message'})"


def _a_function(answer):
    if not callable(answer):
        raise _Malformed(f"It is a {type(answer).__name__}, not a function.")


def _array(answer, name):
    try:
        return np.asarray(answer, dtype="float64")
    except (TypeError, ValueError):
        raise _Malformed(f"{name} could not be read as an array of numbers.") from None


# --- notebook 00 ----------------------------------------------------------------------------

def _ink_by_class(x, y):
    return np.array([x[y == digit].mean() for digit in range(10)])


@_exercise("00.1", "ten numbers: the mean pixel intensity of each class 0 to 9, in that order")
def _mean_ink(answer, mnist):
    ink = _array(answer, "Your answer").ravel()
    if ink.shape != (10,):
        raise _Malformed(f"It holds {ink.size} numbers, not one per class.")
    for x, y in ((mnist.x_train, mnist.y_train), (mnist.x_test, mnist.y_test)):
        reference = _ink_by_class(x, y)
        if np.allclose(ink, reference, rtol=1e-4):
            return None
        if np.allclose(np.sort(ink), np.sort(reference), rtol=1e-4):
            return "The right numbers in the wrong order: entry d must belong to the digits labelled d."
        counts = np.bincount(y, minlength=10) * x[0].size
        if np.allclose(ink, reference * counts, rtol=1e-4):
            return "These are sums of pixel values; the exercise asks for means (divide, or use .mean())."
        inked = np.array([x[(y == digit)][x[y == digit] > 0].mean() for digit in range(10)])
        if np.allclose(ink, inked, rtol=1e-4):
            return "You averaged only the pixels with ink; the mean intensity averages every pixel, background too."
    if not np.all(np.isfinite(ink)):
        return "Some of your numbers are NaN or infinite: was a class left empty, or a division by zero made?"
    if np.ptp(ink) == 0:
        return f"All ten of your numbers are {ink[0]:g}; the classes use different amounts of ink."
    if np.all((ink >= 0) & (ink <= 1)):
        return "Each number should be the mean over all pixels of all the digits of one class; yours are not."
    return "A mean pixel intensity lies between 0 and 1 (pixels run from 0 to 1); some of yours do not."


@_exercise("00.2", "the indices of five test digits (into mnist.x_test)")
def _farthest_digits(answer, mnist):
    chosen = _array(answer, "Your answer").ravel()
    if chosen.shape != (5,) or not np.all(chosen == np.round(chosen)):
        raise _Malformed("It should be five whole numbers.")
    chosen = set(chosen.astype(int).tolist())
    if min(chosen) < 0 or max(chosen) >= len(mnist.x_test):
        return f"Some indices are outside the test digits (0 to {len(mnist.x_test) - 1})."

    def five_by(distance, farthest=True):
        order = np.argsort(distance, kind="stable")
        return set((order[-5:] if farthest else order[:5]).tolist())

    x, y = mnist.x_test, mnist.y_test
    class_means = np.stack([mnist.x_train[mnist.y_train == digit].mean(axis=0) for digit in range(10)])
    to_own_class = ((x - class_means[y]) ** 2).sum(axis=(1, 2, 3))
    if chosen == five_by(to_own_class):
        return None
    if chosen == five_by(to_own_class, farthest=False):
        return "These are the five closest to their class's mean image; the exercise asks for the farthest."
    if chosen == five_by(((x - mnist.x_train.mean(axis=0)) ** 2).sum(axis=(1, 2, 3))):
        return "These are farthest from the mean of all digits; measure each digit against its own class's mean."
    test_means = np.stack([x[y == digit].mean(axis=0) for digit in range(10)])
    if chosen == five_by(((x - test_means[y]) ** 2).sum(axis=(1, 2, 3))):
        return "You took the class means of the test digits; the lesson's class means are the training digits'."
    return "Not the five test digits farthest from their own class's mean image (in squared pixel distance)."


@_exercise("00.3", "two binarized copies of the grey digits, as an array or a list of two arrays")
def _random_binarization(answer, grey):
    draws = _array(answer, "Your answer")
    grey = np.asarray(grey, dtype="float64")
    if draws.shape != (2, *grey.shape):
        raise _Malformed(f"It has shape {draws.shape}; two draws of the digits have shape {(2, *grey.shape)}.")
    if not np.all((draws == 0) | (draws == 1)):
        return "A binarized pixel is 0 or 1; yours hold other values."
    if np.array_equal(draws[0], draws[1]):
        return ("Your two draws are the same image. A fixed threshold gives the same result every time; "
                "make each pixel ink with a probability equal to its grey level, drawing anew each time.")
    if any(_is_a_threshold(one, image) for copy in draws for one, image in zip(copy, grey, strict=True)):
        return ("Your draws look like thresholds (every pixel above some grey level is ink, every pixel below it "
                "blank): give each pixel its own random number.")
    if np.any(draws[:, grey == 0] == 1):
        return "Background pixels (grey level 0) came out as ink: is the comparison the wrong way round?"
    if np.any(draws[:, grey == 1] == 0):
        return "Pixels of full ink (grey level 1) came out blank: the chance of ink should equal the grey level."
    middle = (grey > 0.2) & (grey < 0.8)
    share, expected = draws[:, middle].mean(), grey[middle].mean()
    spread = 4 * math.sqrt(expected * (1 - expected) / max(2 * middle.sum(), 1))
    if abs(share - expected) > spread + 0.02:
        return (f"Grey pixels came out as ink {share:.0%} of the time, but their mean grey level is {expected:.0%}: "
                "the chance of ink should equal the grey level.")
    return None


# --- notebook 01 ----------------------------------------------------------------------------

def _ppca_posterior(x, w, mu, sigma2):
    m = w.T @ w + sigma2 * np.eye(w.shape[1])
    return np.linalg.solve(m, w.T @ (x - mu)), sigma2 * np.linalg.inv(m)


def _ppca_mistakes(x, w, mu, sigma2):
    """What students often write for (mean, covariance) of p(z | x), each with its hint."""
    m = w.T @ w + sigma2 * np.eye(w.shape[1])
    m_without_noise = w.T @ w + np.eye(w.shape[1])
    mean, cov = _ppca_posterior(x, w, mu, sigma2)
    return (
        ((mean, np.linalg.inv(m)), "The covariance misses a factor: match the terms in z^T ... z again."),
        ((np.linalg.solve(m, w.T @ x), cov), "The mean ignores mu: the square to complete is ||x - mu - W z||^2."),
        ((w.T @ (x - mu), cov), "The mean misses a matrix: match the terms linear in z, then solve for the mean."),
        ((np.linalg.solve(m_without_noise, w.T @ (x - mu)), sigma2 * np.linalg.inv(m_without_noise)),
         "M is W^T W + sigma^2 I: the identity comes from the prior, scaled by sigma^2 when you factor it out."),
    )


@_exercise("01.5", "a function posterior(x, W, mu, sigma2) that returns the mean and covariance of p(z | x)")
def _ppca_posterior_check(answer):
    _a_function(answer)
    rng = np.random.default_rng(15)
    cases = [(rng.normal(size=6), rng.normal(size=(6, 2)), rng.normal(size=6), float(sigma2))
             for sigma2 in (0.3, 1.0, 2.5)]
    yours = []
    for case in cases:
        result = _returned(answer, case, f"for x of shape (6,), W of shape (6, 2), mu of shape (6,) and sigma2 = "
                                         f"{case[3]:g}")
        try:
            mean, cov = result
            yours.append((np.asarray(mean, dtype="float64").reshape(-1), np.asarray(cov, dtype="float64")))
        except Exception as error:  # any mistake in the student's code is reported, not raised
            raise _Malformed(f"Your function should return two things, the mean and the covariance; reading what "
                             f"it returned as those raised {_short(error)}.") from None

    def same(answers, expected):
        return all(mean.shape == m.shape and cov.shape == c.shape and np.allclose(mean, m) and np.allclose(cov, c)
                   for (mean, cov), (m, c) in zip(answers, expected, strict=True))

    if same(yours, [_ppca_posterior(*case) for case in cases]):
        return None
    for k, (_, hint) in enumerate(_ppca_mistakes(*cases[0])):
        if same(yours, [_ppca_mistakes(*case)[k][0] for case in cases]):
            return hint
    if any(cov.shape != (2, 2) or mean.shape != (2,) for mean, cov in yours):
        return "For a 2-D code the mean has 2 entries and the covariance is 2 x 2; yours have other shapes."
    reference = [_ppca_posterior(*case) for case in cases]
    means_right = all(np.allclose(mean, m) for (mean, _), (m, _) in zip(yours, reference, strict=True))
    covariances_right = all(np.allclose(cov, c) for (_, cov), (_, c) in zip(yours, reference, strict=True))
    if means_right:
        return "Your mean is right, your covariance is not: compare your terms in z^T ... z with the hint's quadratic."
    if covariances_right:
        return "Your covariance is right, your mean is not: compare your terms linear in z with the hint's quadratic."
    return "Neither your mean nor your covariance is the posterior's: complete the square in the hint's quadratic."


def _is_a_threshold(draw, image):
    """Whether one binarized image separates its grey levels: all inked pixels greyer than all blank ones."""
    middle = (image > 0.05) & (image < 0.95)
    inked, blank = image[middle & (draw == 1)], image[middle & (draw == 0)]
    return middle.sum() >= 20 and inked.size > 0 and blank.size > 0 and inked.min() >= blank.max()


# --- notebook 04 ----------------------------------------------------------------------------

def _kl_normal(mu1, sigma1, mu2, sigma2):
    return math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


# Answers students often write instead, with what to say about each: (mistake, hint).
_KL_MISTAKES = (
    (lambda m1, s1, m2, s2: _kl_normal(m2, s2, m1, s1),
     "This is KL(N(mu2, sigma2^2) || N(mu1, sigma1^2)), the other direction: take the expectation under the first "
     "distribution, N(mu1, sigma1^2)."),
    (lambda m1, s1, m2, s2: _kl_normal(m1, math.sqrt(s1), m2, math.sqrt(s2)),
     "Your function treats sigma1 and sigma2 as variances; they are standard deviations."),
    (lambda m1, s1, m2, s2: _kl_normal(m1, s1, m2, s2) + 0.5,
     "Off by exactly 1/2 on every input: look at the constant term."),
    (lambda m1, s1, m2, s2: _kl_normal(m1, s1, m2, s2) - 2 * math.log(s2 / s1),
     "The log term has the wrong sign: the KL must grow as the first Gaussian gets narrower than the second "
     "(sigma1 small, sigma2 fixed)."),
    (lambda m1, s1, m2, s2: _kl_normal(m1, s1, m2, s2) + (m1 - m2) ** 2 * (1 / (2 * s1**2) - 1 / (2 * s2**2)),
     "Your KL grows with the distance between the means at the wrong rate: look at which variance divides "
     "(mu1 - mu2)^2."),
    (lambda m1, s1, m2, s2: _kl_normal(m1, s1, m1, s2),
     "Your KL does not change when the means move apart: the expectation of (z - mu2)^2 under q also "
     "holds (mu1 - mu2)^2."),
)


@_exercise("04.1", "a function kl(mu1, sigma1, mu2, sigma2) for 1-D Gaussians, sigma the standard deviation")
def _kl_between_gaussians(answer):
    _a_function(answer)
    rng = np.random.default_rng(2024)
    cases = [(float(m1), float(s1), float(m2), float(s2))
             for m1, s1, m2, s2 in zip(rng.normal(0, 1.5, 40), rng.uniform(0.2, 3, 40), rng.normal(0, 1.5, 40),
                                       rng.uniform(0.2, 3, 40), strict=True)]
    yours = np.array([_call(answer, *case) for case in cases])
    if np.allclose(yours, [_kl_normal(*case) for case in cases], rtol=1e-6, atol=1e-9):
        return None
    for mistake, hint in _KL_MISTAKES:
        if np.allclose(yours, [mistake(*case) for case in cases], rtol=1e-6, atol=1e-9):
            return hint
    same = _call(answer, 0.3, 1.7, 0.3, 1.7)
    if abs(same) > 1e-6:
        return f"kl(0.3, 1.7, 0.3, 1.7) gives {same:.4g}: the KL of a distribution from itself is 0."
    negative = [case for case, value in zip(cases, yours, strict=True) if value < -1e-9]
    if negative:
        shown = ", ".join(f"{value:g}" for value in negative[0])
        return f"Your KL is negative for ({shown}); a KL is never negative."
    return "Your function differs from the KL of the two Gaussians; compare it with a Monte-Carlo estimate."


# --- notebook 05 ----------------------------------------------------------------------------

def _iwae_reference(log_weights):
    return logsumexp(log_weights, axis=1) - math.log(log_weights.shape[1])


# Estimates students often write instead, with what to say about each: (mistake, hint).
_IWAE_MISTAKES = (
    (lambda lw: lw.mean(axis=1),
     "This is the average of the log-weights, the ELBO's estimate: IWAE takes the log of the average weight."),
    (lambda lw: logsumexp(lw, axis=1),
     "Your estimate grows with K even when every weight is the same: the weights' mean, not their sum."),
    (lambda lw: lw.max(axis=1),
     "Your estimate uses only the largest weight; the others add to the average too."),
    (lambda lw: logsumexp(lw, axis=1) - lw.shape[1],
     "Off by a constant that grows with K: it is the logarithm of 1/K that goes with the sum."),
)


def _estimates(answer, log_weights):
    """The student's estimates for these log-weights, one per row, or the message that says what went wrong."""
    rows, k = log_weights.shape
    value = _returned(answer, (log_weights.copy(),), f"for log-weights of shape ({rows}, {k})")
    estimates = np.asarray(value, dtype="float64").reshape(-1) if np.ndim(value) else np.asarray([value])
    if estimates.shape != (rows,):
        raise _Malformed(f"For log-weights of shape ({rows}, {k}) (one row of K = {k} per digit) your function "
                         f"returned {np.shape(value)}: one estimate per row.")
    return estimates


def _first_bad(estimates):
    bad = estimates[~np.isfinite(estimates)]
    return f"{bad[0]}" if bad.size else f"{estimates[0]:g}"


@_exercise("05.1", "a function iwae_estimate(log_weights) that takes log-weights of shape (digits, K) and returns "
                   "one estimate per digit, the log of the average weight")
def _iwae_estimate(answer):
    _a_function(answer)
    rng = np.random.default_rng(51)
    modest = rng.normal(0.0, 2.0, (5, 50))  # log-weights where exp() is harmless
    yours = _estimates(answer, modest)
    if not np.allclose(yours, _iwae_reference(modest), rtol=1e-6, atol=1e-6):
        for mistake, hint in _IWAE_MISTAKES:
            if np.allclose(yours, mistake(modest), rtol=1e-6, atol=1e-6):
                return hint
        return ("Your estimates differ from the log of the average weight on log-weights of shape (5, 50); "
                "try it on one row whose K weights are all equal first.")
    realistic = modest - 150.0  # a digit's log p(x, z) - log q(z | x) is around -100 to -200 nats
    yours = _estimates(answer, realistic)
    underflow = "Take the largest log-weight out before exp() and add it back after the log."
    if not np.all(np.isfinite(yours)):
        return (f"Right for log-weights near 0, but for realistic ones near -150 nats you get {_first_bad(yours)}: "
                f"exp() of them underflows to 0 in float32 (below about -103; float64 holds to about -745). "
                f"{underflow}")
    if not np.allclose(yours, _iwae_reference(realistic), rtol=1e-9, atol=1e-6):
        return "Right for log-weights near 0 but not for realistic ones near -150 nats: look for rounding or a cap."
    extreme = modest - 1000.0
    yours = _estimates(answer, extreme)
    if not np.all(np.isfinite(yours)) or not np.allclose(yours, _iwae_reference(extreme), rtol=1e-9, atol=1e-6):
        return (f"Right near -150 nats, but log-weights near -1,000 (a poor q, or a code of many dimensions) give "
                f"{_first_bad(yours)}: exp() underflows to 0 there even in float64. {underflow}")
    return None


# --- notebook 06 ----------------------------------------------------------------------------

def _kl_per_example_and_dimension(z_mean, z_log_var):
    return -0.5 * (1 + z_log_var - z_mean**2 - np.exp(z_log_var))


# What a free-bits layer charges, written right and written the ways it goes wrong: (charge, hint).
_FREE_BITS_MISTAKES = (
    (lambda kl, floor: np.mean(np.sum(np.maximum(kl, floor), axis=1)),
     "You floored each digit's KL; free bits floor each dimension's KL averaged over the batch, then sum."),
    (lambda kl, floor: np.sum(np.minimum(np.mean(kl, axis=0), floor)),
     "A dimension below the floor should be charged the floor: max, not min."),
    (lambda kl, floor: np.sum(np.mean(kl, axis=0)),  # also what a floor on the total KL charges
     "Your layer charges the plain KL: each dimension below free_nats should cost free_nats. (A floor on the "
     "total KL charges the same here, the total being above it.)"),
    (lambda kl, floor: np.sum(np.maximum(np.sum(kl, axis=0), floor)),
     "You summed each dimension's KL over the digits of the batch; free bits floor its average over the batch."),
    (lambda kl, floor: np.mean(np.maximum(np.mean(kl, axis=0), floor)),
     "You averaged the floored KL over the dimensions; the KL of a code is their sum."),
)


def _free_bits_charge(layer_class, free_nats, z_mean, z_log_var):
    """(the loss a layer of the student's class adds for these codes, or None if it adds none; its outputs)."""
    try:
        layer = layer_class(free_nats=free_nats)
        outputs = layer((z_mean, z_log_var))
        losses = [float(loss) for loss in layer.losses]
    except Exception as error:  # any mistake in the student's layer is reported, not raised
        raise _Malformed(f"Building or calling your layer raised {_short(error)}.") from None
    return (sum(losses) if losses else None), outputs


@_exercise("06.2", "a Keras layer class, FreeBitsKL(free_nats=0.5), that adds the free-bits KL with add_loss")
def _free_bits(answer):
    if not isinstance(answer, type):
        if hasattr(answer, "add_loss"):
            raise _Malformed("It is a layer, not its class: pass FreeBitsKL itself, without ().")
        raise _Malformed(f"It is a {type(answer).__name__}, not a class.")
    rng = np.random.default_rng(6)
    # Nine dimensions: three in use, three nearly collapsed (the floor decides their charge) and three in use
    # for half of the digits only (where flooring each digit's KL and flooring the average part ways).
    used = rng.random((64, 9)) < np.repeat([1.0, 0.0, 0.5], 3)
    z_mean = np.where(used, rng.normal(0, 2, (64, 9)), rng.normal(0, 0.05, (64, 9))).astype("float32")
    z_log_var = np.where(used, rng.normal(-3, 0.5, (64, 9)), rng.normal(0, 0.05, (64, 9))).astype("float32")
    charged, outputs = _free_bits_charge(answer, 0.5, z_mean, z_log_var)
    if charged is None:
        return "Your layer adds no loss: call self.add_loss(...) inside call()."
    kl = _kl_per_example_and_dimension(z_mean.astype("float64"), z_log_var.astype("float64"))
    if not math.isclose(charged, np.sum(np.maximum(np.mean(kl, axis=0), 0.5)), rel_tol=1e-4):
        for mistake, hint in _FREE_BITS_MISTAKES:
            if math.isclose(charged, mistake(kl, 0.5), rel_tol=1e-4):
                return hint
        # Two dimensions whose KLs are known: N(2, 1) from N(0, 1) is 2 nats, N(0, e) from N(0, 1) (e - 2) / 2.
        probe = _free_bits_charge(answer, 0.0, np.tile([[2.0, 0.0]], (4, 1)).astype("float32"),
                                  np.tile([[0.0, 1.0]], (4, 1)).astype("float32"))[0]
        if probe is not None and not math.isclose(probe, 2 + (math.e - 2) / 2, rel_tol=1e-4):
            return (f"Check your KL first: with free_nats = 0, for a batch of 4 codes, each with z_mean = (2, 0) and "
                    f"z_log_var = (0, 1), your layer adds {probe:.4g} nats, where the two dimensions' KLs are "
                    f"{2:.4g} and {(math.e - 2) / 2:.4g}.")
        return f"Your layer adds {charged:.4g} nats for these codes; free bits would charge something else."
    again = _free_bits_charge(answer, 1.0, z_mean, z_log_var)[0]
    if again is None or not math.isclose(again, np.sum(np.maximum(np.mean(kl, axis=0), 1.0)), rel_tol=1e-4):
        return "Right with free_nats=0.5 but not with free_nats=1.0: use the free_nats the layer is given."
    try:
        passed_on = [np.asarray(tensor) for tensor in outputs]
    except TypeError:
        passed_on = []
    if len(passed_on) != 2 or not all(np.allclose(a, b) for a, b in zip(passed_on, (z_mean, z_log_var), strict=True)):
        return "The loss is right, but the layer must return its inputs, (z_mean, z_log_var), unchanged."
    return None


# --- notebook 07 ----------------------------------------------------------------------------

_PIXEL_SIGMA = 0.1  # exercise 07.2 fixes the decoder's noise


def _gaussian_nll(x, means, sigma):
    """-log N(x; means, sigma^2 I) per image, summed over pixels (float64: the check's own arithmetic)."""
    squared = ((x - means) ** 2).reshape(len(x), -1)
    return 0.5 * squared.sum(axis=1) / sigma**2 + squared.shape[1] * math.log(sigma * math.sqrt(2 * math.pi))


@_exercise("07.2", "a function gaussian_reconstruction_loss(x, pixel_means) that returns -log p(x | z) per image, "
                   "for Gaussian pixels with sigma = 0.1")
def _gaussian_reconstruction_loss(answer):
    _a_function(answer)
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (4, 28, 28, 1)).astype("float32")
    means = rng.uniform(0, 1, (4, 28, 28, 1)).astype("float32")
    value = _returned(answer, (x, means), "for 4 images x and 4 images of pixel means")
    if isinstance(value, (list, tuple, float, int)):
        return (f"Your function returns a Python {type(value).__name__}. Keras calls a loss inside a TensorFlow graph "
                "and differentiates it: return the tensor that TensorFlow (or TFP) computed.")
    losses = _array(value, "What your function returned").astype("float64")
    if losses.shape == ():
        return ("For 4 images your loss is a single number: you averaged or summed over the batch as well. Keras "
                "averages over the batch itself; return one number per image, of shape (4,).")
    if losses.shape != (4,):
        return (f"For 4 images your loss has shape {losses.shape}, not (4,): one number per image, the pixels' "
                "log-densities summed (tfd.Independent over the image's 3 axes).")
    x, means = x.astype("float64"), means.astype("float64")
    right = _gaussian_nll(x, means, _PIXEL_SIGMA)
    if np.allclose(losses, right, rtol=1e-4):
        return None
    squared_part = 0.5 * ((x - means) ** 2).reshape(4, -1).sum(axis=1) / _PIXEL_SIGMA**2
    for mistake, hint in (
            (-right, "Your loss is the log-likelihood itself; the loss Keras minimises is its negative."),
            (_gaussian_nll(x, means, _PIXEL_SIGMA**2),
             "Your function uses sigma^2 = 0.01 where the standard deviation 0.1 belongs (tfd.Normal's scale is a "
             "standard deviation)."),
            (squared_part, "Your loss is only the squared-error part: the normalising constant, "
                           "log(sigma sqrt(2 pi)) per pixel, is missing. It does not change the gradients, but the "
                           "numbers are no longer -log p(x | z) and cannot be compared with other models'."),
            (right / 784, "Your loss is averaged over the 784 pixels; -log p(x | z) of an image sums them."),
            (squared_part * 2 * _PIXEL_SIGMA**2 / 784,
             "This is the mean squared error. The Gaussian's -log p(x | z) is the squared error summed over the "
             "pixels, divided by 2 sigma^2, plus a normalising constant: scale and constant matter once a KL term "
             "is added.")):
        if np.allclose(losses, mistake, rtol=1e-4):
            return hint
    return ("Your loss differs from -log N(x; pixel_means, 0.1^2 I), summed over each image's pixels. Per pixel, "
            "-log N(x; mu, sigma^2) = (x - mu)^2 / (2 sigma^2) + log(sigma sqrt(2 pi)): check each part, and the sign.")


# --- notebook 08 ----------------------------------------------------------------------------

def _elbo_parts_per_label(encoder, decoder, x):
    """(reconstruction, KL), each (images, 10): a CVAE's ELBO of every image under every label, z its posterior mean."""
    from .elbo import kl_to_standard_normal
    from .likelihoods import bernoulli_nll

    reconstruction, kl = [], []
    for label in np.eye(10, dtype="float32"):
        y = np.tile(label, (len(x), 1))
        z_mean, z_log_var, _ = (np.asarray(t) for t in encoder([x, y], training=False))
        reconstruction.append(-np.asarray(bernoulli_nll(x, decoder([z_mean, y], training=False))))
        kl.append(np.asarray(kl_to_standard_normal(z_mean, z_log_var)))
    return np.stack(reconstruction, axis=1).astype("float64"), np.stack(kl, axis=1).astype("float64")


@_exercise("08.1", "a function elbo_per_label(x) that returns each image's ELBO under each of the ten labels, "
                   "of shape (images, 10)")
def _elbo_per_label(answer, encoder, decoder, x):
    _a_function(answer)
    x = np.asarray(x, dtype="float32")
    value = _returned(answer, (x,), f"for {len(x)} test digits")
    scores = _array(value, "What your function returned")
    reconstruction, kl = _elbo_parts_per_label(encoder, decoder, x)
    if scores.shape == (10, len(x)) and len(x) != 10:
        return f"Your scores have shape {scores.shape}: one row per image and one column per label, (images, 10)."
    if scores.shape != reconstruction.shape:
        return f"For {len(x)} images your scores have shape {scores.shape}, not ({len(x)}, 10): one score per label."

    def same(expected):
        return np.allclose(scores, expected, rtol=1e-4, atol=0.05)

    if same(reconstruction - kl):
        return None
    if np.allclose(scores, scores[:, :1], atol=1e-6):
        return "Every label gives an image the same score: the label k must go into the encoder and the decoder."
    for expected, hint in (
            (kl - reconstruction, "These are losses, minus the ELBO: the classifier keeps the label with the largest "
                                  "ELBO, so arg-max them and you pick the least likely label."),
            (reconstruction, "Your scores leave out the KL term of the ELBO."),
            (reconstruction + kl, "The KL is added to your scores; the ELBO subtracts it.")):
        if same(expected):
            return hint
    return ("Your scores differ from each image's ELBO under each label (reconstruction minus KL, z the posterior "
            "mean) on these digits; compare one image and one label at a time.")


# --- notebook 09 ----------------------------------------------------------------------------

@_exercise("09.2", "the vector four_minus_nine: the mean code of the training 4s minus that of the training 9s")
def _class_vector(answer, codes, labels):
    codes, labels = np.asarray(codes, dtype="float64"), np.asarray(labels)
    vector = _array(answer, "Your vector").reshape(-1)
    fours, nines = codes[labels == 4], codes[labels == 9]
    if vector.shape != (codes.shape[1],):
        return (f"Your vector has {vector.size} numbers; a vector between codes has one per latent dimension, "
                f"{codes.shape[1]}.")
    right = fours.mean(axis=0) - nines.mean(axis=0)
    if np.allclose(vector, right, rtol=1e-4, atol=1e-5):
        return None
    for mistake, hint in (
            (-right, "Your vector points from the 4s to the 9s: added to a 9, it should move it towards the 4s."),
            (fours.mean(axis=0), "This is the mean code of the 4s alone; the vector is a difference of two means."),
            (fours.sum(axis=0) - nines.sum(axis=0),
             "A difference of sums: the classes have different counts, so take their means."),
            (right / np.linalg.norm(right),
             "Right direction, but you changed its length: keep the difference as it is, the strengths scale it.")):
        if np.allclose(vector, mistake, rtol=1e-4, atol=1e-5):
            return hint
    if np.dot(vector, right) > 0.9 * np.linalg.norm(vector) * np.linalg.norm(right):
        return ("Close to the difference of the mean codes but not equal to it: average the posterior means of "
                "all the training 4s and 9s (train_codes), not of other digits or samples.")
    return "Your vector is not the difference of the two classes' mean codes."
