"""Claims of 06_latent_size_and_posterior_collapse: latent size, collapse by KL, warm-up, beta and sigma."""

import numpy as np

from tests import runs
from tests.claims import Break, claim, only_as_on_a_cpu

VALUES = {
    "0e20e70f": {"sizes": "{d: {'elbo': r['elbo'].elbo, 'kl': r['elbo'].kl, 'iwae': r['iwae'], "
                          "'kl_dims': r['kl_dims'], 'readable': r['readable']} for d, r in results.items()}",
                 "threshold": "COLLAPSED_BELOW"},
    "32de1b4a": {"collapsed_stats": "(float(means_20[:, j].mean()), float(np.exp(log_vars_20[:, j]).mean()))",
                 "least_kl": "float(kl_dims[j])",
                 "burda_count": "burda_count"},
    "99fef59c": {"change": "change", "names": "names"},
    "85a88027": {"warm": "{'elbo': warm['elbo'].elbo, 'iwae': warm['iwae'], 'kl_dims': warm['kl_dims']}",
                 "beta": "float(warm_kl.beta.numpy())"},
    "dc168ea7": {"rates": "rates", "distortions": "distortions", "betas": "BETAS"},
    "632bb639": {"gaussian": "gaussian", "as_squared_error": "as_squared_error", "vague_kl_dims": "vague_kl_dims"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("550ae79d", "min(1.0, self.step / self.warmup_steps)",
              "self.step / self.warmup_steps",
              "a warm-up that never stops: the KL weight grows past 1")


def _collapsed(kl_dims, threshold=0.1):
    return int(np.sum(np.asarray(kl_dims) < threshold))


@claim("774b7afe", "From 2 to 5 to 10 dimensions both bounds rise steeply")
def test_the_bounds_rise_with_the_latent_size_then_flatten(values):
    sizes = values["sizes"]
    elbos = [sizes[d]["elbo"] for d in (2, 5, 10, 20)]
    assert elbos[0] < elbos[1] < elbos[2] and elbos[2] - elbos[0] > 20, elbos
    assert abs(elbos[3] - elbos[2]) < (elbos[2] - elbos[0]) / 4, elbos
    assert all(size["iwae"] > size["elbo"] for size in sizes.values())


@claim("8ea9c3b3", "by a few nats at most, up or down (under two in the runs printed here, up to about four "
                   "with another seed\n  or longer training)")
def test_from_10_to_20_dimensions_neither_bound_moves_much(values):
    sizes = values["sizes"]
    moves = [sizes[20][bound] - sizes[10][bound] for bound in ("elbo", "iwae")]
    assert all(abs(move) < 5 for move in moves), moves  # -1.5/-1.0 subset, +0.1/+1.5 full, +2.8 SEED 1, +4.3 LONGER 4
    if not runs.parameters():  # "the runs printed here"
        assert all(abs(move) < 2 for move in moves), moves


@claim("774b7afe", "the largest model leaves the most of its dimensions\ncollapsed")
def test_the_largest_model_leaves_dimensions_collapsed_and_the_small_ones_none(values):
    sizes, threshold = values["sizes"], values["threshold"]
    assert all(_collapsed(sizes[d]["kl_dims"], threshold) == 0 for d in (2, 5))
    assert _collapsed(sizes[20]["kl_dims"], threshold) > max(_collapsed(sizes[10]["kl_dims"], threshold), 0)


@claim("774b7afe", "From 10 to 20 dimensions the KL column\nchanges far less than from 5 to 10 (it can even fall)")
def test_the_ten_extra_dimensions_add_little_kl(values):
    kl = {d: size["kl"] for d, size in values["sizes"].items()}
    assert abs(kl[20] - kl[10]) < (kl[10] - kl[5]) / 2, kl  # +0.8 against +4.5, +1.9 against +6.3 on the CPU


@claim("774b7afe", "with two dimensions the judge reads the fewest of them as a digit")
def test_the_2d_models_prior_draws_are_read_least_often(values):
    readable = {d: size["readable"] for d, size in values["sizes"].items()}
    assert readable[2] < min(readable[d] for d in (5, 10, 20)), readable


@claim("7271cca1", "Most used dimensions carry a nat or more each, the collapsed ones a tenth of a nat or less")
def test_used_dimensions_carry_a_nat_and_collapsed_ones_a_tenth_or_less(values):
    shares, threshold = np.asarray(values["sizes"][20]["kl_dims"]), values["threshold"]
    assert np.median(shares[shares >= threshold]) > 1, np.sort(shares)
    assert shares[shares < threshold].max() < 0.1, np.sort(shares)
    assert shares.min() < 0.05, np.sort(shares)  # "a few hundredths or less": 0.013 on the CPU, 0.0012 with LONGER = 4


@claim("7271cca1", "whose posterior has mean near 0 and\nvariance near 1")
def test_a_collapsed_dimension_has_the_prior_as_posterior(values):
    mean, variance = values["collapsed_stats"]
    assert values["least_kl"] < values["threshold"]
    assert abs(mean) < 0.1 and abs(variance - 1) < 0.15, values["collapsed_stats"]  # 0.90 at SEED = 2


@claim("7271cca1", "on the CPU it counts more dimensions as active than the KL does")
def test_burdas_count_exceeds_the_kl_count(values):
    used_by_kl = 20 - _collapsed(values["sizes"][20]["kl_dims"], values["threshold"])
    only_as_on_a_cpu("with LONGER = 4 the two counts agreed: 13 and 13")
    assert values["burda_count"] > used_by_kl, (values["burda_count"], used_by_kl)


@claim("07173c77", "moving the one with the least changes nothing you\ncan see")
def test_the_decoder_ignores_a_collapsed_dimension(values):
    names = values["names"]
    assert values["change"][names[1]] < 0.1 * values["change"][names[0]], values["change"]


@claim("f3c40708", "With warm-up, fewer dimensions collapse")
def test_warm_up_leaves_fewer_dimensions_collapsed_at_no_cost(values):
    warm, big, threshold = values["warm"], values["sizes"][20], values["threshold"]
    assert _collapsed(warm["kl_dims"], threshold) < _collapsed(big["kl_dims"], threshold)
    assert warm["elbo"] > big["elbo"] - 1 and warm["iwae"] > big["iwae"] - 1


@claim("ae7fc8e3", "After the warm-up the objective is the ordinary ELBO again")
def test_the_kl_weight_ends_at_one(values):
    assert values["beta"] == 1.0


@claim("863251b2", "As $\\beta$ grows the code carries fewer nats and the distortion rises")
def test_beta_trades_rate_for_distortion(values):
    rates, distortions = values["rates"], values["distortions"]
    assert np.all(np.diff(rates) < 0) and np.all(np.diff(distortions) > 0), (rates, distortions)


@claim("44c03dcc", "The two models of the first pair end in the same place")
def test_a_gaussian_decoder_is_squared_error_with_beta_two_sigma_squared(values):
    (kl_g, error_g), (kl_s, error_s) = values["gaussian"], values["as_squared_error"]
    assert abs(kl_g - kl_s) < 0.05 * kl_g and abs(error_g - error_s) < 0.05 * error_g, (values["gaussian"],
                                                                                      values["as_squared_error"])


@claim("44c03dcc", "every dimension collapses")
def test_a_decoder_with_sigma_twenty_collapses_every_dimension(values):
    assert np.all(values["vague_kl_dims"] < 0.1), values["vague_kl_dims"]


# Exercise 3's solution: the plain 20-D model trained for four times the steps.
VALUES["sol06-3"] = {"collapsed_1x": "int(np.sum(kl_dims < COLLAPSED_BELOW))", "burda_1x": "int(burda_count)",
                     "collapsed_4x": "int(np.sum(kl_dims_4x < COLLAPSED_BELOW))", "burda_4x": "int(burda_count_4x)",
                     "elbo_1x": "big['elbo'].elbo", "elbo_4x": "elbo_4x.elbo"}


@claim("ex06-3-after", "In our runs the number of collapsed dimensions did not change, Burda's count fell to the KL's")
def test_longer_training_keeps_the_collapsed_dimensions_and_brings_burdas_count_to_the_kls(values):
    assert abs(values["collapsed_4x"] - values["collapsed_1x"]) <= 1, values  # 10 and 10; 7 and 7
    used_1x, used_4x = 20 - values["collapsed_1x"], 20 - values["collapsed_4x"]
    assert abs(values["burda_4x"] - used_4x) <= 1 < abs(values["burda_1x"] - used_1x), values  # 20 -> 10; 20 -> 13


@claim("ex06-3-after", "rose by 7 to 14 nats, far more than the\nstep from 10 to 20 dimensions gave")
def test_longer_training_raises_the_held_out_elbo(values):
    gain = values["elbo_4x"] - values["elbo_1x"]
    assert 5 < gain < 20, gain  # 7.1 and 13.8 nats
    sizes = values["sizes"]
    assert gain > 3 + abs(sizes[20]["elbo"] - sizes[10]["elbo"]), (gain, sizes[10]["elbo"], sizes[20]["elbo"])
