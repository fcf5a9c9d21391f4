"""Every public function refuses bad input with a ValueError that names the problem.

One row per bad input: (what is wrong, the call, a pattern the message must match).
"""

import numpy as np
import pytest

from vaecourse import checks, data, metrics, models, pipeline, plots, pretrained, reproducibility, training, widgets

pytestmark = pytest.mark.unit

GOOD = np.full((4, 28, 28, 1), 0.5, np.float32)


def _nan_images():
    x = GOOD.copy()
    x[0, 3, 3, 0] = np.nan
    return x


def _vae():
    if not hasattr(_vae, "cached"):
        _vae.cached = models.build_vae(2, hidden_units=(8,))
    return _vae.cached


def _cvae_decoder():
    return models.build_cvae(2, hidden_units=(8,))[1]


def _colour_decoder():
    return models.build_decoder(2, output_shape=(28, 28, 3), hidden_units=(8,))


BAD_INPUTS = [
    ("unknown MNIST source", lambda: data.load_mnist("kaggle"), r"source must be one of"),
    ("non-positive download timeout", lambda: data.load_mnist("subset", download_timeout=0),
     r"download_timeout must be a positive number, got 0\."),
    ("uint8 pixels", lambda: checks.images(np.zeros((2, 28, 28, 1), np.uint8)), r"float dtype.*divide by 255"),
    ("images without channel axis", lambda: checks.images(np.zeros((2, 28, 28), np.float32)), r"shape \(N, height"),
    ("a list, not an array", lambda: checks.images([[0.5]]), r"NumPy array"),
    ("NaN pixel", lambda: checks.images(_nan_images()), r"1 NaN or infinite"),
    ("infinite pixel", lambda: pipeline.make_dataset(GOOD * np.inf), r"NaN or infinite"),
    ("pixels above 1", lambda: checks.images(GOOD * 255), r"values in \[0, 1\]"),
    ("a pixel a rounding error above 1", lambda: checks.images(np.full((1, 28, 28, 1), 1.0000001, np.float32)),
     r"values in \[0, 1\], got values from 1\.0000001 to 1\.0000001"),
    ("empty array", lambda: checks.images(GOOD[:0]), r"empty"),
    ("unknown noise kind", lambda: pipeline.add_noise(GOOD, "speckle", 0.1), r"kind must be one of"),
    ("noise level above 1", lambda: pipeline.add_noise(GOOD, "gaussian", 1.5), r"level must be a number in \[0, 1\]"),
    ("negative noise level", lambda: pipeline.add_noise(GOOD, "masking", -0.1),
     r"level must be a number in \[0, 1\], got -0\.1"),
    ("negative noise seed", lambda: pipeline.add_noise(GOOD, "gaussian", 0.1, seed=-1),
     r"seed must be a non-negative integer, got -1"),
    ("NaN noise level", lambda: pipeline.add_noise(GOOD, "masking", float("nan")),
     r"level must be a number in \[0, 1\], got nan"),
    ("threshold out of range", lambda: pipeline.binarize(GOOD, threshold=1.0),
     r"threshold must be a number strictly between 0 and 1, got 1\.0"),
    ("unknown binarization", lambda: pipeline.make_dataset(GOOD, binarization="otsu"), r"binarization must be one of"),
    ("zero batch size", lambda: pipeline.make_dataset(GOOD, batch_size=0),
     r"batch_size must be a positive integer, got 0"),
    ("labels of wrong length", lambda: pipeline.make_dataset(GOOD, labels=[1, 2]), r"one label per image"),
    ("label out of range", lambda: pipeline.make_dataset(GOOD, labels=[0, 1, 2, 10]), r"labels in 0\.\.9"),
    ("targets of another shape", lambda: pipeline.make_dataset(GOOD, targets=GOOD[:2]), r"targets must have the shape"),
    ("latent_dim 0", lambda: models.build_vae(0), r"latent_dim must be a positive integer"),
    ("latent_dim as text", lambda: models.build_encoder("2"), r"latent_dim must be a positive integer, got '2'"),
    ("input shape without channels", lambda: models.build_vae(2, input_shape=(28, 28)),
     r"input_shape must be \(height, width, channels\).*got \(28, 28\)"),
    ("conv shape not divisible", lambda: models.build_vae(2, architecture="conv", input_shape=(30, 30, 1)),
     r"divisible by 4"),
    ("unknown likelihood", lambda: models.build_vae(2, likelihood="poisson"), r"likelihood must be one of"),
    ("unknown architecture", lambda: models.build_decoder(2, architecture="transformer"),
     r"architecture must be one of \('dense', 'conv'\), got 'transformer'"),
    ("negative beta", lambda: models.build_vae(2, beta=-1), r"beta must be"),
    ("zero sigma", lambda: models.build_vae(2, likelihood="gaussian", sigma=0), r"sigma must be"),
    ("negative sigma, Bernoulli", lambda: models.build_vae(2, sigma=-1), r"sigma must be a positive number"),
    ("CVAE with True classes", lambda: models.build_cvae(2, num_classes=True), r"num_classes must be an integer >= 2"),
    ("CVAE with one class", lambda: models.build_cvae(2, num_classes=1), r"num_classes must be an integer >= 2, got 1"),
    ("mismatched encoder and decoder",
     lambda: models.build_autoencoder(models.build_encoder(3), models.build_decoder(2)),
     r"code has size 3 but the decoder expects 2"),
    ("autoencoder from a non-model", lambda: models.build_autoencoder("encoder", models.build_decoder(2)),
     r"encoder must be a keras.Model"),
    ("ELBO of a plain decoder", lambda: metrics.evaluate_elbo(_vae()[0], models.build_decoder(2), GOOD),
     r"has no likelihood.*output='bernoulli' or 'gaussian'"),
    ("ELBO of images of another size", lambda: metrics.evaluate_elbo(*_vae()[:2], np.zeros((2, 32, 32, 1), "float32")),
     r"the encoder expects \(28, 28, 1\)"),
    ("labels for an unconditional VAE", lambda: metrics.evaluate_elbo(*_vae()[:2], GOOD, labels=[0, 1, 2, 3]),
     r"labels must be given for a conditional VAE"),
    ("zero importance samples", lambda: metrics.importance_sampled_log_likelihood(*_vae()[:2], GOOD, num_samples=0),
     r"num_samples must be a positive integer"),
    ("PSNR of different shapes", lambda: metrics.psnr(GOOD, GOOD[:2]), r"x_hat must be a NumPy array with the shape"),
    ("MSE with NaN reconstruction", lambda: metrics.reconstruction_mse(GOOD, GOOD * np.nan), r"x_hat contains NaN"),
    ("manifold of a 3-D decoder", lambda: plots.plot_manifold(models.build_decoder(3)), r"2-D latent input"),
    ("latent map of 3-D codes", lambda: plots.plot_latent_map(np.zeros((5, 3)), np.zeros(5)), r"shape \(N, 2\)"),
    ("history without the key", lambda: plots.plot_history({"loss": [1.0]}, keys=["kl"]), r"history has no \['kl'\]"),
    ("negative seed", lambda: reproducibility.seed_everything(-1), r"seed must be a non-negative integer"),
    ("zero epochs", lambda: training.train("vae", epochs=0), r"epochs must be a positive integer"),
    ("unknown model kind", lambda: training.train("gan"), r"kind must be one of"),
    ("checkpoint not .keras", lambda: training.train("vae", checkpoint="model.h5"), r"ending in \.keras"),
    ("resume without checkpoint", lambda: training.train("vae", resume=True), r"resume=True needs a checkpoint"),
    ("negative learning rate", lambda: training.train("vae", learning_rate=-0.1), r"learning_rate must be a positive"),
    ("unknown pretrained model", lambda: pretrained.load("vae3d"), r"unknown pretrained model 'vae3d'"),
    ("explorer of a non-model", lambda: widgets.LatentExplorer("decoder"), r"decoder must be a keras.Model"),
    ("conditional decoder in LatentExplorer", lambda: widgets.LatentExplorer(_cvae_decoder()),
     r"use ConditionalExplorer"),
    ("plain decoder in ConditionalExplorer", lambda: widgets.ConditionalExplorer(_vae()[1]),
     r"needs a conditional decoder"),
    ("colour decoder", lambda: widgets.LatentExplorer(_colour_decoder()), r"grey-level images"),
    ("zero slider extent", lambda: widgets.LatentExplorer(_vae()[1], extent=0), r"extent .* must be a positive"),
    ("digit out of range", lambda: widgets.ConditionalExplorer(_cvae_decoder(), digit=12),
     r"digit must be an integer in 0\.\.9"),
    ("interpolation index out of range", lambda: widgets.InterpolationExplorer(*_vae()[:2], GOOD, second=4),
     r"second must be an integer in 0\.\.3"),
    ("interpolation with a mismatched encoder",
     lambda: widgets.InterpolationExplorer(models.build_encoder(3), _vae()[1], GOOD), r"code has size 3"),
]


@pytest.mark.parametrize("problem, call, message", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_refused_with_a_clear_message(problem, call, message):
    with pytest.raises(ValueError, match=message):
        call()

