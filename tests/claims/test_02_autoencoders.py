"""Claims of 02_autoencoders: deep and convolutional autoencoders, losses, capacity, gaps, transfer."""

import numpy as np

from tests.claims import claim

VALUES = {
    "46908e3e": {
        "layer_types": "[type(layer).__name__ for layer in my_autoencoder.layers]",
        "my_parameters": "my_autoencoder.count_params()",
        "helper_parameters": "helper_autoencoder.count_params()",
        "helper_layers": "layer_shapes(helper_autoencoder)",
        "my_layers": "layer_shapes(my_autoencoder)",
    },
    "faf3f63a": {"scores": "scores", "loss_seeds": "LOSS_SEEDS"},
    "0608d40c": {
        "conv_shapes": "[tuple(layer.output.shape[1:]) for layer in conv_encoder.layers[1:3]]",
        "longer": "longer",
        "pca_mse_32": "pca_mse_32",
        "conv_parameters": "conv_autoencoder.count_params()",
        "dense_parameters": "dense_autoencoder.count_params()",
        "mse_conv": "mse_conv",
        "mse_dense": "mse_dense",
    },
    "b12d651e": {"capacity_mse": "capacity_mse", "latent_dim": "LATENT_DIM", "overcomplete_dim": "OVERCOMPLETE_DIM"},
    "fa4d6e87": {"mse_2d": "mse_2d", "pca_mse_2": "pca_mse_2", "in_gap": "in_gap", "failed": "failed",
                 "readable": "readable"},
    "1cc5080e": {
        "labels_per_class": "np.bincount(y_few).tolist()",
        "head_trainable": "sum(int(np.prod(w.shape)) for w in head_on_codes.trainable_weights)",
        "acc_codes": "acc_codes",
        "acc_pixels": "acc_pixels",
    },
}


@claim("6c7e2bd8", "The autoencoder's layers are the input and the two models")
def test_the_autoencoder_is_its_input_and_the_two_models(values):
    assert values["layer_types"] == ["InputLayer", "Functional", "Functional"]


@claim("6c7e2bd8", "The same settings give the same network, layer for layer")
def test_the_helpers_build_the_same_network(values):
    assert values["helper_layers"] == values["my_layers"] and len(values["my_layers"]) == 4
    assert values["helper_parameters"] == values["my_parameters"]


def _mean_over_seeds(values, loss, column):
    return np.mean([values["scores"][loss, seed][column] for seed in values["loss_seeds"]])


@claim("c6018e22", "Averaged over the three seeds, the BCE-trained\nautoencoder has the lower test MSE")
def test_bce_training_gives_the_lower_test_mse(values):
    assert _mean_over_seeds(values, "binary_crossentropy", 0) < _mean_over_seeds(values, "mse", 0)


@claim("c6018e22", "it paints its\nstrokes darker")
def test_bce_paints_the_strokes_darker(values):
    assert _mean_over_seeds(values, "binary_crossentropy", 2) > _mean_over_seeds(values, "mse", 2)


@claim("367519c3", "with four times the steps its error is clearly below PCA's and still falling")
def test_the_deep_autoencoder_ends_clearly_below_pca(values):
    longer = values["longer"]
    assert longer[-1] < 0.8 * values["pca_mse_32"], (longer, values["pca_mse_32"])
    assert longer[-1] < longer[-2]


@claim("367519c3", "which halves the height\nand width: $28 \\to 14 \\to 7$")
def test_the_convolutions_halve_the_image(values):
    assert [shape[:2] for shape in values["conv_shapes"]] == [(14, 14), (7, 7)]


@claim("5f212b5a", "With a seventh of the weights")
def test_the_conv_autoencoder_reconstructs_about_as_well_with_few_weights(values):
    assert values["conv_parameters"] < values["dense_parameters"] / 5
    assert values["mse_conv"] < 1.2 * values["mse_dense"]


@claim("361c387f", "its error on dots is more than twice its error on digits")
def test_the_undercomplete_model_cannot_copy_dots(values):
    digits, dots = values["capacity_mse"][values["latent_dim"]]
    assert dots > 2 * digits


@claim("361c387f", "The overcomplete one hands much of the dots back")
def test_the_overcomplete_model_copies_much_of_the_dots(values):
    under_digits, under_dots = values["capacity_mse"][values["latent_dim"]]
    over_digits, over_dots = values["capacity_mse"][values["overcomplete_dim"]]
    assert over_dots < 0.6 * under_dots
    assert over_digits < under_digits


@claim("5367cedf", "We train a deep\ndense autoencoder with a 2-D code")
def test_the_2d_autoencoder_beats_2d_pca(values):
    assert values["mse_2d"] < values["pca_mse_2"]


@claim("21c36075", "A gap point comes back somewhere else")
def test_gap_points_fail_the_round_trip_more_often(values):
    in_gap, failed = values["in_gap"], values["failed"]
    assert in_gap.mean() > 0.25
    assert failed[in_gap].mean() > 2 * failed[~in_gap].mean()


@claim("01c6baa2", "We **freeze** the trained BCE encoder")
def test_only_the_head_on_the_frozen_encoder_trains(values):
    assert values["labels_per_class"] == [10] * 10
    assert values["head_trainable"] == 32 * 10 + 10


@claim("e6d2b292", "keeps most of the\naccuracy")
def test_the_code_keeps_most_of_the_accuracy(values):
    assert values["acc_codes"] >= 0.75 * values["acc_pixels"]


@claim("21c36075", "most give a clear digit")
def test_most_gap_points_decode_to_a_digit_the_judge_reads(values):
    readable, in_gap = values["readable"], values["in_gap"]
    assert readable[in_gap].mean() > 0.5, readable[in_gap].mean()
    assert readable[in_gap].mean() > readable[~in_gap].mean(), "the blends should be near the codes"
