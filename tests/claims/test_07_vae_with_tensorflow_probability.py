"""Claims of 07_vae_with_tensorflow_probability: TFP's KL and likelihood, the same VAE, its log-likelihood."""

import numpy as np

from tests.claims import Break, claim

VALUES = {
    "3474e3b5": {"analytic_kl": "analytic_kl.numpy()", "course_kl": "np.asarray(course_kl)",
                 "z_scores": "z_scores.numpy()"},
    "da1987db": {"spreads": "spreads", "sizes": "list(MC_SAMPLE_SIZES)", "s": "s"},
    "f7859d56": {"kl_tfp": "kl_tfp.numpy()", "kl_course": "np.asarray(kl_course)"},
    "3d50f2df": {"means": "means", "draws": "draws"},
    "8b332e6d": {"log_px_tfp": "log_px_tfp", "elbo_tfp": "elbo_tfp", "elbo_course": "elbo_course.elbo",
                 "log_px_course": "log_px_course", "parameters": "vae.count_params()"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("44cbaffd", "scale_diag=tf.exp(0.5 * z_log_var)",
              "scale_diag=tf.exp(z_log_var)",
              "a log-variance used as a log standard deviation in TFP's posterior")


@claim("fd90ff7f", "The two estimates agree to within the sampling noise")
def test_tfps_kl_is_the_courses_and_monte_carlo_agrees(values):
    np.testing.assert_allclose(values["analytic_kl"], values["course_kl"], atol=1e-5)
    assert np.all(np.abs(values["z_scores"]) < 3), values["z_scores"]


@claim("fd90ff7f", "it should match the\npredicted $s/\\sqrt{n}$")
def test_the_monte_carlo_error_shrinks_like_one_over_root_n(values):
    ratios = np.array(values["spreads"]) * np.sqrt(values["sizes"]) / values["s"]
    assert np.all(np.abs(ratios - 1) < 0.2), ratios


@claim("60031cef", "the KL our layer adds during training is the one notebook 04 computed")
def test_the_kl_on_real_posteriors_agrees(values):
    np.testing.assert_allclose(values["kl_tfp"], values["kl_course"], atol=1e-4)


@claim("2205488d", "every pixel an independent coin\nflip")
def test_generated_means_are_probabilities_and_draws_are_binary(values):
    means, draws = values["means"], values["draws"]
    assert means.min() >= 0 and means.max() <= 1
    assert np.all((draws == 0) | (draws == 1))


@claim("ef8aa0fd", "so the importance-sampled estimate never falls below the Monte-Carlo ELBO of the same samples")
def test_the_importance_sampled_estimate_is_above_the_elbo(values):
    assert np.all(values["log_px_tfp"] >= values["elbo_tfp"])
    assert values["log_px_tfp"].mean() > values["elbo_course"]


@claim("7f3d3ea9", "they agree up to sampling noise")
def test_tfp_and_vaecourse_agree(values):
    assert abs(values["log_px_tfp"].mean() - values["log_px_course"]) < 0.5
    assert values["log_px_tfp"].mean() > -175
    assert values["elbo_course"] > -180


# The solutions of exercises 1 and 3 (code cells tagged "solution").
VALUES["sol07-1"] = {"gap_full": "float(np.mean(log_px_full - elbo_full))",
                     "gap_diagonal": "float(np.mean(log_px_tfp - elbo_tfp))"}
VALUES["sol07-3"] = {"component_means": "mixture.components_distribution.mean().numpy()", "moved": "moved",
                     "initial_means": "starts",
                     "codes_m": "codes_m", "labels_m": "np.asarray(mnist.y_test)",
                     "log_prior_mixture": "float(tf.reduce_mean(mixture.log_prob(codes_m)))",
                     "log_prior_standard": "float(tf.reduce_mean(tfd.MultivariateNormalDiag(tf.zeros(2))"
                                           ".log_prob(codes_m)))"}


@claim("ex07-1-after", "but do not expect much")
def test_a_full_covariance_narrows_the_gap_by_little(values):
    assert values["gap_full"] > 0 and values["gap_diagonal"] > 0
    assert values["gap_diagonal"] - values["gap_full"] < 2.0, (values["gap_diagonal"], values["gap_full"])


@claim("ex07-3-after", "in our runs the components moved about three quarters of a unit from their random starts")
def test_training_moves_the_mixture_components(values):
    moved = np.linalg.norm(values["component_means"] - values["initial_means"], axis=1)
    assert np.allclose(moved, values["moved"]), (moved, values["moved"])  # what the solution prints
    assert 0.5 < np.median(moved) < 1.0, moved.round(2)  # 0.73 and 0.79; frozen components (a break) fail it


@claim("ex07-3-after", "some clusters of the latent map get a component of their\nown")
def test_some_classes_get_a_component_of_their_own(values):
    codes, labels, means = values["codes_m"], values["labels_m"], values["component_means"]
    centres = np.array([np.median(codes[labels == digit], axis=0) for digit in range(10)])
    distances = np.linalg.norm(means[:, None, :] - centres[None, :, :], axis=-1)  # component x class
    nearest = distances.argmin(axis=1)
    owned = {int(nearest[k]) for k in range(len(means)) if distances[k, nearest[k]] < 0.75}
    assert len(owned) >= 3, (owned, distances.min(axis=1).round(2))


@claim("ex07-3-after", "Together they\nput the prior's mass where the codes are")
def test_the_mixture_prior_is_denser_where_the_codes_are(values):
    assert values["log_prior_mixture"] > values["log_prior_standard"], (
        values["log_prior_mixture"], values["log_prior_standard"])
