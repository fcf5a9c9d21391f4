"""Claims of 02_autoencoders: deep and convolutional autoencoders, losses, capacity, gaps, transfer."""

import numpy as np

from tests.claims import Break, claim

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
        "kernels": "{kind: [(type(layer).__name__, tuple(layer.input.shape[1:3]), tuple(layer.output.shape[1:3]), "
                   "tuple(layer.kernel.shape)) "
                   "for half in halves for layer in half.layers if hasattr(layer, 'kernel')] "
                   "for kind, halves in (('conv', (conv_encoder, conv_decoder)), "
                   "('dense', models['binary_crossentropy'][:2]))}",
    },
    "b12d651e": {"capacity_mse": "capacity_mse", "latent_dim": "LATENT_DIM", "overcomplete_dim": "OVERCOMPLETE_DIM"},
    "fa4d6e87": {"mse_2d": "mse_2d", "pca_mse_2": "pca_mse_2", "in_gap": "in_gap", "failed": "failed",
                 "readable": "readable", "judge_card": "reader.card"},
    "1cc5080e": {
        "labels_per_class": "np.bincount(y_few).tolist()",
        "head_trainable": "sum(int(np.prod(w.shape)) for w in head_on_codes.trainable_weights)",
        "acc_codes": "acc_codes",
        "acc_pixels": "acc_pixels",
    },
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("06c48e12", "pretrained_encoder.trainable = False",
              "pretrained_encoder.trainable = True",
              "the encoder not frozen: the classifier's training changes it too")


@claim("6c7e2bd8", "The autoencoder's layers are the input and the two models")
def test_the_autoencoder_is_its_input_and_the_two_models(values):
    assert values["layer_types"] == ["InputLayer", "Functional", "Functional"]


@claim("6c7e2bd8", "The same settings give layers\nof the same kinds, shapes and sizes")
def test_the_helpers_build_the_same_network(values):
    assert values["helper_layers"] == values["my_layers"] and len(values["my_layers"]) == 4
    assert values["helper_parameters"] == values["my_parameters"]


def _mean_over_seeds(values, loss, column):
    return np.mean([values["scores"][loss, seed][column] for seed in values["loss_seeds"]])


@claim("c6018e22", "Averaged over the three seeds, the BCE-trained\nautoencoder has the lower test MSE")
def test_bce_training_gives_the_lower_test_mse(values):
    assert _mean_over_seeds(values, "binary_crossentropy", 0) < _mean_over_seeds(values, "mse", 0)


@claim("c6018e22", "it paints its\nstrokes slightly darker")
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


def _multiply_adds(kernels):
    """Multiply-adds per image of the Dense, Conv2D and Conv2DTranspose layers listed in ``kernels``."""
    positions = {"Dense": lambda inputs, outputs: 1,
                 "Conv2D": lambda inputs, outputs: np.prod(outputs),  # each output position gathers the kernel
                 "Conv2DTranspose": lambda inputs, outputs: np.prod(inputs)}  # each input position scatters it
    return sum(int(positions[kind](inputs, outputs) * np.prod(kernel)) for kind, inputs, outputs, kernel in kernels)


@claim("367519c3", "somewhat more multiply-adds per image (about 0.52 million against about 0.42 million)")
def test_the_conv_model_does_somewhat_more_multiply_adds_than_the_dense_one(values):
    conv, dense = (_multiply_adds(values["kernels"][kind]) for kind in ("conv", "dense"))
    assert 500_000 < conv < 550_000 and 400_000 < dense < 450_000, (conv, dense)


@claim("21c36075", "It answers with a class when that class gets at least 80% of its probability")
def test_the_judge_reads_real_digits_and_refuses_junk(values):
    figures = values["judge_card"]["test"]
    assert figures["accuracy"] > 0.95 and values["judge_card"]["threshold"] == 0.8
    assert min(figures[f"unreadable_{kind}"] for kind in ("noise", "blur", "overlay")) > 0.9, figures


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


@claim("21c36075", "a gap point comes back far from where it\nstarted")
def test_gap_points_fail_the_round_trip_more_often(values):
    in_gap, failed = values["in_gap"], values["failed"]
    assert in_gap.mean() > 0.25
    assert failed[in_gap].mean() > 2 * failed[~in_gap].mean()


@claim("01c6baa2", "We **freeze** the trained BCE encoder")
def test_only_the_head_on_the_frozen_encoder_trains(values):
    assert values["labels_per_class"] == [10] * 10
    assert values["head_trainable"] == 32 * 10 + 10


@claim("e6d2b292", "a linear head on it keeps most of the accuracy")
def test_the_code_keeps_most_of_the_accuracy(values):
    assert values["acc_codes"] >= 0.75 * values["acc_pixels"]


@claim("e6d2b292", "in this\nrun it is behind")
def test_the_frozen_encoder_is_no_better_than_raw_pixels(values):
    assert values["acc_codes"] < values["acc_pixels"]


@claim("21c36075", "most give a clear digit")
def test_most_gap_points_decode_to_a_digit_the_judge_reads(values):
    readable, in_gap = values["readable"], values["in_gap"]
    assert readable[in_gap].mean() > 0.5, readable[in_gap].mean()
    assert readable[in_gap].mean() > readable[~in_gap].mean(), "the blends should be near the codes"


# The solutions of the three exercises (code cells tagged "solution").
VALUES["sol02-1"] = {"mse_3d": "float(mse_3d)", "mse_2d": "float(mse_2d)"}
VALUES["sol02-2"] = {"deep_parameters": "deep_autoencoder.count_params()",
                     "shallow_parameters": "dense_autoencoder.count_params()"}
VALUES["sol02-3"] = {"by_count": "by_count"}


@claim("ex02-1-after", "so the\nthird lowers the error by a good share (in our runs by about 9 to 15 per cent)")
def test_a_third_latent_number_lowers_the_error_by_a_good_share(values):
    assert 0.06 < 1 - values["mse_3d"] / values["mse_2d"] < 0.2, (values["mse_3d"], values["mse_2d"])  # 0.15, 0.09


@claim("ex02-2-after", "The deeper model has about 2.7 times the parameters")
def test_the_deeper_model_has_about_2_7_times_the_parameters(values):
    assert round(values["deep_parameters"] / values["shallow_parameters"], 1) == 2.7, values


@claim("ex02-3-after", "See how steeply both curves climb with the first labels")
def test_both_accuracies_climb_with_the_first_labels(values):
    by_count = values["by_count"]  # rows: 1, 3, 10, 30, 100 labels per class; columns: frozen encoder, raw pixels
    assert np.all(by_count[2] > by_count[0] + 0.15), by_count
    assert np.all(by_count[-1] >= by_count[2]), by_count


@claim("ex02-3-after", "(in our runs they were level at 100 per class)")
def test_with_100_labels_per_class_the_two_heads_are_level(values):
    frozen, pixels = values["by_count"][-1]
    assert abs(frozen - pixels) < 0.03, values["by_count"]  # 0.86 and 0.86; 0.77 and 0.77
