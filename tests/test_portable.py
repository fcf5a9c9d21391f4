"""The decoder as the browser gets it: a spec and float32 weights that compute what Keras computes."""

import json

import keras
import numpy as np
import pytest

from vaecourse import models, portable
from vaecourse.likelihoods import pixel_means

pytestmark = pytest.mark.unit


def _decoders():
    z = keras.Input((2,))
    h = keras.layers.Reshape((7, 7, 4))(keras.layers.Dense(7 * 7 * 4)(z))
    h = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="valid", activation="tanh")(h)
    valid = keras.Model(z, keras.layers.Conv2D(1, 5, padding="valid")(h))
    return {
        "dense": models.build_vae(2, hidden_units=(32, 16), seed=0)[1],
        "conv": models.build_vae(2, architecture="conv", filters=(8, 16), hidden_units=(16,), seed=0)[1],
        "conditional conv": models.build_cvae(3, architecture="conv", filters=(4, 8), hidden_units=(8,), seed=0)[1],
        "gaussian": models.build_vae(2, hidden_units=(16,), likelihood="gaussian", seed=0)[1],
        "linear": models.build_linear_autoencoder(4)[1],
        "valid padding": valid,
    }


@pytest.mark.parametrize("name", list(_decoders()))
def test_forward_computes_the_decoders_pixel_means(name):
    decoder = _decoders()[name]
    spec, weights = portable.export_decoder(decoder)
    json.dumps(spec)  # it travels as JSON
    assert len(weights) == 4 * sum(w.size for w in decoder.get_weights())
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, decoder.inputs[0].shape[-1])).astype("float32")
    inputs = [z, np.eye(10, dtype="float32")[rng.integers(10, size=5)]] if len(decoder.inputs) == 2 else [z]
    expected = np.asarray(pixel_means(decoder, decoder(inputs if len(inputs) == 2 else z)))
    np.testing.assert_allclose(portable.forward(spec, weights, *inputs), expected, atol=portable.TOLERANCE)


def test_bernoulli_means_are_the_sigmoid_of_the_logits():
    decoder = models.build_vae(2, hidden_units=(8,), seed=0)[1]
    spec, _ = portable.export_decoder(decoder)
    assert spec["means"] == "sigmoid" and spec["image_shape"] == [28, 28, 1]
    gaussian = models.build_vae(2, hidden_units=(8,), likelihood="gaussian", seed=0)[1]
    assert portable.export_decoder(gaussian)[0]["means"] == "identity"


def test_a_layer_the_browser_cannot_run_is_named():
    z = keras.Input((2,))
    h = keras.layers.LayerNormalization(name="norm")(keras.layers.Dense(784)(z))
    decoder = keras.Model(z, keras.layers.Reshape((28, 28, 1))(h))
    with pytest.raises(portable.NotPortable, match="'norm' \\(LayerNormalization\\)"):
        portable.export_decoder(decoder)


def test_an_unsupported_activation_is_named():
    z = keras.Input((2,))
    h = keras.layers.Dense(784, activation="gelu", name="wide")(z)
    decoder = keras.Model(z, keras.layers.Reshape((28, 28, 1))(h))
    with pytest.raises(portable.NotPortable, match="'wide' has activation 'gelu'"):
        portable.export_decoder(decoder)


def test_a_layer_that_computes_something_else_is_caught_before_it_is_sent():
    class Dense(keras.layers.Dense):  # looks like a Dense layer, is not one
        def call(self, inputs):
            return 2.0 * super().call(inputs)

    z = keras.Input((2,))
    decoder = keras.Model(z, keras.layers.Reshape((28, 28, 1))(Dense(784)(z)))
    with pytest.raises(portable.NotPortable, match="differs from it by"):
        portable.export_decoder(decoder)


def test_forward_checks_the_number_of_inputs():
    decoder = models.build_cvae(2, hidden_units=(8,), seed=0)[1]
    spec, weights = portable.export_decoder(decoder)
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        portable.forward(spec, weights, np.zeros((1, 2)))


def test_every_output_of_a_layer_is_named_so_an_encoders_mean_and_variance_can_be_described():
    encoder = models.build_vae(2, hidden_units=(16,), seed=0)[0]
    means_and_variances = keras.Model(encoder.inputs, encoder.outputs[:2])  # all but the random draw
    spec, weights = portable.export_model(means_and_variances)
    assert spec["inputs"][0]["shape"] == [28, 28, 1]
    assert spec["outputs"] == ["kl_divergence", "kl_divergence:1"]
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(portable.forward(spec, weights, x), np.asarray(encoder(x)[0]), atol=portable.TOLERANCE)


def test_a_random_layer_is_not_portable():
    encoder = models.build_vae(2, hidden_units=(16,), seed=0)[0]
    with pytest.raises(portable.NotPortable, match="'z' \\(Sampling\\)"):
        portable.export_model(encoder)
