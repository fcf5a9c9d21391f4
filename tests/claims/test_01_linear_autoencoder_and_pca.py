"""Claims of 01_linear_autoencoder_and_pca: the linear autoencoder finds PCA's subspace; probabilistic PCA."""

import numpy as np

from tests.claims import Break, claim

VALUES = {
    "11df8304": {"eigenvalues": "eigenvalues[:LATENT_DIM + 1]"},
    "5802560a": {"angle_log": "angle_log"},
    "f0ab8834": {"pca_mse": "pca_mse", "optimal_mse": "optimal_mse"},
    "3a2d83cb": {"parameters": "autoencoder.count_params()", "latent_dim": "LATENT_DIM"},
    "6128ad36": {"angles": "angles", "angles_scipy": "angles_scipy"},
    "e1596f1f": {
        "by_hand": "by_hand",
        "by_keras": "by_keras",
        "offset": "float(np.abs(decoder_matrix @ b_E + b_W).max())",
        "ae_mse": "ae_mse",
        "ae_test_mse": "ae_test_mse",
        "pca_test_mse": "pca_test_mse",
    },
    "713a487e": {
        "cos_w": "float(cos_w)",
        "rank1_mse": "history1.history['loss'][-1]",
        "rank1_optimum": "rank1_optimum",
        "code_correlation": "code_correlation",
        "blank_pixels": "blank_pixels",
        "e_dot_w": "float(e @ w)",
    },
    "20357f16": {"mixing_error": "float(np.abs(recon_mixed - pca_recon).max())"},
    "33c89454": {"largest_share": "largest_share", "component_cosines": "component_cosines"},
    "70cdbfd3": {"tied_angle": "tied_angle", "off_identity": "off_identity"},
    "sol01-1": {"ratios_to_optimum": "[error / best for error, best in zip(ae_errors, optimum)]"},
    "sol01-4": {"sgd_limit": "num_pixels / (2 * eigenvalues[0])", "sgd_step": "lr", "sgd_ratio": "loss / optimal_mse",
                "sgd_angle": "sgd_angle", "adam_angle": "angle_log[-1]"},
    "83ea7f34": {"sigma2": "sigma2"},
    "711fdf5b": {"elbo_equals_log_lik": "bool(elbo_equals_log_lik)"},
    "0fe0fe30": {
        "bits": "bits",
        "best_d": "best_d",
        "bits_ks": "BITS_KS",
        "sigma2_small_and_best_d": "[fit_ppca(d, dq_directions, dq_eigenvalues)[1] for d in (LATENT_DIM, best_d)]",
        "sigma2_one": "fit_ppca(1, dq_directions, dq_eigenvalues)[1]",
        "log_lik_around_ml": "[ppca_log_likelihood(dq_train, LATENT_DIM, f * fit_ppca(LATENT_DIM, dq_directions, "
                             "dq_eigenvalues)[1], dq_directions, dq_eigenvalues).mean() "
                             "for f in (0.8, 0.95, 1.0, 1.05, 1.25)]",
    },
    "30f03e1b": {"near_constant": "near_constant"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("808e7041", "xc_train -= mean_image  #",
              "xc_train -= 0 * mean_image  #",
              "PCA on digits that were not centred: the mean image left in")


@claim("4c080a21", "a `Dense(d)`\nlayer with no activation")
def test_the_linear_autoencoder_is_two_matrices_and_two_biases(values):
    d = values["latent_dim"]
    assert values["parameters"] == 2 * 784 * d + d + 784


@claim("0fb7a32c", "with equality for the truncated SVD")
def test_the_projection_onto_v_d_reaches_the_eckart_young_optimum(values):
    assert np.isclose(values["pca_mse"], values["optimal_mse"], rtol=1e-9)


@claim("ba83dbf1", "by hand and with `scipy.linalg.subspace_angles`")
def test_principal_angles_by_hand_agree_with_scipy(values):
    np.testing.assert_allclose(values["angles"], values["angles_scipy"], atol=1e-3)


@claim("1776f4b2", "lands on **the same subspace** as PCA and\n  **the same error**")
def test_the_autoencoder_lands_on_pcas_subspace_and_error(values):
    assert values["angles"].max() < 5, values["angles"]
    assert values["optimal_mse"] * (1 - 1e-6) <= values["ae_mse"] < 1.02 * values["optimal_mse"]


@claim("dbfd1dad", "it is two matrix products and two\nbiases")
def test_the_keras_model_computes_w_e_x_plus_biases(values):
    np.testing.assert_allclose(values["by_hand"], values["by_keras"], atol=1e-4)
    assert values["offset"] < 0.01, "the offset W b_E + b_W did not stay near zero"


@claim("15578bea", "Both methods reconstruct held-out digits the same way")
def test_held_out_errors_agree(values):
    assert abs(values["ae_test_mse"] - values["pca_test_mse"]) < 0.02 * values["pca_test_mse"]


@claim("1c0d6f12", "the decoder finds the first principal direction\nitself")
def test_the_rank_one_decoder_finds_v1_and_its_codes_are_the_scores(values):
    assert np.degrees(np.arccos(min(values["cos_w"], 1))) < 5
    assert values["rank1_mse"] < 1.02 * values["rank1_optimum"]
    assert values["code_correlation"] > 0.99
    assert values["blank_pixels"] > 10


@claim("4196d2c1", "Every reconstruction, and so the loss, is unchanged.")
def test_a_mixing_matrix_changes_no_reconstruction(values):
    assert values["mixing_error"] < 1e-8


@claim("567f72fd", "they are\nblends of them")
def test_the_decoder_mixes_the_principal_directions(values):
    assert values["largest_share"] < 0.5, values["largest_share"]  # 1 for a diagonal up to order and signs


@claim("c2d1c979", "Every component comes back to within a tiny angle")
def test_unmixing_recovers_the_components(values):
    assert values["component_cosines"].min() > 0.99


@claim("d4b037bf", "$\\sigma^2_{\\mathrm{ML}}$ is almost the Eckart–Young MSE")
def test_ppca_noise_is_the_mean_discarded_variance(values):
    assert values["optimal_mse"] < values["sigma2"] < 1.1 * values["optimal_mse"]


@claim("d4b037bf", "**The maximum-likelihood solution** is available in closed form")
def test_the_training_likelihood_peaks_at_sigma2_ml(values):
    assert int(np.argmax(values["log_lik_around_ml"])) == 2, values["log_lik_around_ml"]


@claim("dfc11f1d", "the last KL is 0 and the ELBO equals the log-likelihood")
def test_the_elbo_with_the_exact_posterior_is_log_p(values):
    assert values["elbo_equals_log_lik"]


@claim("1e1b0a94", "With one latent dimension, PPCA needs about 8 bits per pixel")
def test_one_dimension_is_about_as_bad_as_knowing_nothing(values):
    assert abs(values["bits"]["held-out digits"][0] - 8) < 0.25


@claim("1e1b0a94", "held-out curve turns up while the training curve keeps falling")
def test_held_out_bits_turn_up_while_training_bits_fall(values):
    assert 64 <= values["best_d"] < values["bits_ks"][-1]
    assert np.all(np.diff(values["bits"]["training digits"]) < 0)


@claim("bde8f1a6", "which the encoder can produce\nexactly with $e = w / \\lVert w \\rVert^2$")
def test_the_trained_encoder_and_decoder_vectors_have_a_unit_dot_product(values):
    assert abs(values["e_dot_w"] - 1) < 0.02, values["e_dot_w"]


@claim("e976cb8d", "a tied linear autoencoder, trained to its optimum, has orthonormal columns spanning\nthe top-$d$ "
                   "subspace")
def test_the_tied_autoencoder_finds_an_orthonormal_basis_of_the_subspace(values):
    assert values["tied_angle"] < 5, values["tied_angle"]
    assert values["off_identity"] < 0.05, values["off_identity"]


@claim("1e1b0a94", "many pixels are blank in nearly every digit")
def test_many_pixels_are_near_constant_and_sigma2_shrinks_with_d(values):
    assert values["near_constant"] > 50, values["near_constant"]
    at_small_d, at_best_d = values["sigma2_small_and_best_d"]
    assert at_best_d < at_small_d / 10


@claim("6efe547f", "$v_{16}$ and $v_{17}$ have close variances")
def test_v16_and_v17_have_close_variances(values):
    first, *_, sixteenth, seventeenth = values["eigenvalues"]
    assert sixteenth / seventeenth < 1.5 and sixteenth / seventeenth < (first / sixteenth) / 3, values["eigenvalues"]


@claim("ba83dbf1", "it can jump up, often several-fold")
def test_the_angle_jumps_up_several_fold_during_training(values):
    angles = np.array(values["angle_log"])
    lowest_so_far = np.minimum.accumulate(angles)
    assert np.max(angles[1:] / lowest_so_far[:-1]) > 1.3  # 10-fold at SEED = 0, 1.75-fold full-size at SEED = 2


@claim("1e1b0a94", "$\\sigma^2$ is about 0.06 (printed)")
def test_at_one_dimension_sigma2_is_near_the_uniform_s_entropy_match(values):
    assert abs(values["sigma2_one"] - 1 / (2 * np.pi * np.e)) < 0.01, values["sigma2_one"]


@claim("ex01-1-after", "the printed ratios all within a fraction of a per cent of\n1")
def test_the_linear_autoencoder_reaches_the_eckart_young_optimum_at_every_d(values):
    ratios = np.array(values["ratios_to_optimum"])
    assert len(ratios) == 5 and np.all(np.abs(ratios - 1) < 0.01), ratios


@claim("ex01-4-after", "about 75 on the\noffline subset: the step of 256 lies above it and diverged, "
                       "64 lies below it and did not")
def test_plain_gradient_descent_diverges_above_its_stability_limit(values):
    if values.mnist == "subset":
        assert 70 < values["sgd_limit"] < 80, values["sgd_limit"]
    assert 64 < values["sgd_limit"] < 256, values["sgd_limit"]
    assert values["sgd_step"] == 64


@claim("ex01-4-after", "error came within a per cent of the optimum, yet the subspace was further from $V_d$ "
                       "than Adam's: in our\nruns by less than a degree on the subset, and by tens of degrees on the "
                       "5,000 digits taken from full MNIST")
def test_plain_gradient_descent_nears_the_optimum_error_before_the_subspace(values):
    assert values["sgd_ratio"] < 1.01, values["sgd_ratio"]  # 1.0013, 1.0031
    assert values["sgd_angle"] > values["adam_angle"], (values["sgd_angle"], values["adam_angle"])
    if values.mnist == "subset":
        assert values["sgd_angle"] - values["adam_angle"] < 1, values["sgd_angle"]  # 0.41 against 0.064
    else:
        assert values["sgd_angle"] - values["adam_angle"] >= 10, values["sgd_angle"]  # 61 against 0.012


@claim("ex01-4-after", "whose gap $\\lambda_{16} - \\lambda_{17}$ is less than half the subset's")
def test_the_gap_at_the_cut_is_narrower_on_full_mnist(values):
    gap = values["eigenvalues"][15] - values["eigenvalues"][16]  # the data are fixed: no seed changes them
    if values.mnist == "subset":
        assert gap > 0.13, gap  # 0.142
    else:
        assert gap < 0.065, gap  # 0.056 on the stand-in's first 5,000 digits


# Exercise 2's solution: raw digits, with and without biases.
VALUES["sol01-2"] = {"raw_optimum_ratio": "float(raw_optimum / optimal_mse)", "raw_angle": "float(raw_angle)",
                     "mean_length_squared": "float(np.sum(mean_image ** 2))", "lambda_1": "float(eigenvalues[0])",
                     "angle_to_target": "{key: float(value) for key, value in angle_to_target.items()}"}


@claim("ex01-2-after", "That costs a little error\nand gives a different subspace")
def test_without_biases_the_best_answer_costs_a_little_error_and_moves_the_subspace(values):
    assert 1 < values["raw_optimum_ratio"] < 1.02, values["raw_optimum_ratio"]
    assert values["raw_angle"] > 5, values["raw_angle"]


@claim("ex01-2-after", "its squared length is several times the largest variance around it")
def test_the_mean_image_outweighs_the_largest_variance(values):
    assert 3 < values["mean_length_squared"] / values["lambda_1"] < 20, (values["mean_length_squared"],
                                                                         values["lambda_1"])


@claim("ex01-2-after", "expect the directions that matter to converge more slowly than on centred\ndigits")
def test_on_raw_digits_the_subspace_converges_more_slowly(values):
    centred = values["angle_log"][-1]
    assert min(values["angle_to_target"].values()) > 10 * centred, (values["angle_to_target"], centred)
