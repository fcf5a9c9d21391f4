"""Claims of 04_variational_autoencoders: the reparameterization trick, the layers, fit, the latent space, beta."""

import numpy as np

from tests.claims import claim

VALUES = {
    "e7cad582": {"grads": "(grad_mu, grad_sigma)", "analytic": "(analytic_mu, analytic_sigma)"},
    "5902917b": {
        "kl_ours": "ours",
        "kl_theirs": "theirs",
        "layer_losses": "(float(our_kl_layer.losses[0]), float(their_kl_layer.losses[0]))",
        "z_ours": "z_ours",
        "z_theirs": "z_theirs",
    },
    "06fc352c": {"logs": "logs"},
    "416a3b42": {"loss_difference": "loss_difference", "weight_difference": "weight_difference",
                 "learning_rate": "DEFAULT_LEARNING_RATE"},
    "e6056367": {"codes": "codes", "covered": "covered"},
    "ace5267e": {"walk_classes": "walk_classes"},
    "19696f0d": {"gap": "gap", "per_digit_elbo": "per_digit_elbo"},
    "dc168ea7": {"rates": "rates", "distortions": "distortions"},
    "632bb639": {"gaussian_sweep": "gaussian_sweep", "sigmas": "SIGMAS", "as_gaussian": "as_gaussian",
                 "as_squared_error": "as_squared_error"},
}


@claim("3c6cd94d", "Now the reparameterized version")
def test_the_reparameterized_gradient_is_the_analytic_one(values):
    np.testing.assert_allclose(values["grads"], values["analytic"], atol=0.05)


@claim("af575b57", "our\nformula must agree with theirs")
def test_our_kl_and_layers_agree_with_the_package(values):
    np.testing.assert_allclose(values["kl_ours"], values["kl_theirs"], rtol=1e-5)
    ours, theirs = values["layer_losses"]
    assert np.isclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(values["z_ours"], values["z_theirs"])


@claim("9e26eef4", "Step for step, the two losses agree to float32 rounding")
def test_fit_is_the_hand_written_step(values):
    assert values["loss_difference"] < 1e-3
    assert values["weight_difference"] < values["learning_rate"]


@claim("0f145b95", "It logs the loss (negative ELBO)")
def test_the_training_loss_falls_below_175_nats(values):
    assert values["logs"]["loss"][-1] < 175


@claim("4bb6e5e4", "the KL term\ncentres the codes on the origin with a spread of about one unit")
def test_the_codes_are_centred_with_a_spread_of_about_one(values):
    codes = values["codes"]
    assert np.all(np.abs(codes.mean(axis=0)) < 0.5)
    assert np.all((codes.std(axis=0) > 0.5) & (codes.std(axis=0) < 2))


@claim("4bb6e5e4", "almost every draw\nfrom $\\mathcal{N}(0, I)$ falls close to some test digit's code")
def test_almost_every_prior_draw_is_near_a_test_code(values):
    assert values["covered"] > 0.9


@claim("c6b4ce11", "The latent walk changes the shape step by step")
def test_the_walk_goes_from_a_1_to_a_0(values):
    classes = values["walk_classes"]
    assert classes[0] == 1 and classes[-1] == 0, classes


@claim("4c3a4d1e", "The gap is small next to the ELBO itself")
def test_the_gap_is_positive_and_small(values):
    gap = values["gap"]
    assert np.all(gap > 0)
    assert np.all(gap < 0.1 * -values["per_digit_elbo"])


@claim("863251b2", "the\nmodels trade distortion for rate along a curve")
def test_rate_falls_and_distortion_grows_with_beta(values):
    assert np.all(np.diff(values["rates"]) < 0)
    assert np.all(np.diff(values["distortions"]) > 0)


@claim("44c03dcc", "the smaller $\\sigma$, the more nats in\nthe code, and the largest $\\sigma$ reconstructs worst")
def test_sigma_is_the_same_knob(values):
    rates = [values["gaussian_sweep"][s][0] for s in values["sigmas"]]
    errors = [values["gaussian_sweep"][s][1] for s in values["sigmas"]]
    assert np.all(np.diff(rates) < 0)
    assert int(np.argmax(errors)) == len(values["sigmas"]) - 1


@claim("44c03dcc", "two models of the second experiment end in the same\nplace")
def test_squared_error_with_beta_two_sigma_squared_is_the_gaussian_model(values):
    np.testing.assert_allclose(values["as_squared_error"], values["as_gaussian"], rtol=0.02)
