import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from vaecourse import elbo, likelihoods, models
from vaecourse.pipeline import make_dataset

pytestmark = pytest.mark.unit

tfd = tfp.distributions


@pytest.mark.parametrize("architecture", models.ARCHITECTURES)
def test_encoder_and_decoder_are_separate_models_with_the_right_shapes(architecture):
    encoder = models.build_encoder(3, architecture=architecture)
    decoder = models.build_decoder(3, architecture=architecture)
    assert isinstance(encoder, keras.Model) and isinstance(decoder, keras.Model)
    x = np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)
    code = encoder(x)
    assert code.shape == (5, 3)
    images = decoder(code).numpy()
    assert images.shape == (5, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    autoencoder = models.build_autoencoder(encoder, decoder)
    np.testing.assert_allclose(autoencoder(x), images, rtol=1e-5, atol=1e-6)
    # The autoencoder shares its weights with the two halves.
    assert len(autoencoder.trainable_weights) == len(encoder.trainable_weights) + len(decoder.trainable_weights)


def test_linear_autoencoder_has_no_activations():
    encoder, decoder, autoencoder = models.build_linear_autoencoder(4, use_bias=False)
    dense = [layer for layer in autoencoder._flatten_layers() if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 2
    assert all(layer.activation is keras.activations.linear and not layer.use_bias for layer in dense)
    # Linear in x: f(2x) = 2 f(x) without bias.
    x = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32) / 2
    np.testing.assert_allclose(autoencoder(2 * x), 2 * autoencoder(x).numpy(), rtol=1e-4, atol=1e-5)
    assert encoder.output.shape == (None, 4) and decoder.output.shape == (None, 28, 28, 1)


@pytest.mark.parametrize("architecture", models.ARCHITECTURES)
@pytest.mark.parametrize("likelihood", likelihoods.DISTRIBUTIONS)
def test_vae_shapes_and_decoder_head(architecture, likelihood):
    encoder, decoder, vae = models.build_vae(2, architecture=architecture, likelihood=likelihood)
    assert [tuple(o.shape) for o in encoder.outputs] == [(None, 2)] * 3
    assert tuple(decoder.output.shape) == (None, 28, 28, 1)
    assert tuple(vae.output.shape) == (None, 28, 28, 1)
    assert likelihoods.likelihood_of(decoder).distribution == likelihood
    assert vae.loss.distribution == likelihood  # the loss was made from the decoder's likelihood


def test_sampling_reparameterizes_and_passes_gradients():
    layer = elbo.Sampling(seed=0)
    z_mean = tf.Variable(tf.fill((20000, 2), 1.5))
    z_log_var = tf.Variable(tf.fill((20000, 2), np.log(0.25).astype("float32")))
    with tf.GradientTape() as tape:
        z = layer([z_mean, z_log_var])
        loss = tf.reduce_sum(z)
    np.testing.assert_allclose(np.mean(z, axis=0), [1.5, 1.5], atol=0.01)
    np.testing.assert_allclose(np.std(z, axis=0), [0.5, 0.5], atol=0.01)
    grad_mean, grad_log_var = tape.gradient(loss, [z_mean, z_log_var])
    np.testing.assert_allclose(grad_mean, 1.0)  # dz/dmu = 1
    eps = (z - z_mean) / 0.5
    np.testing.assert_allclose(grad_log_var, 0.5 * 0.5 * eps, rtol=1e-4, atol=1e-6)  # dz/dv = sigma*eps/2
    # Seeded: a fresh layer with the same seed draws the same noise.
    np.testing.assert_array_equal(elbo.Sampling(seed=0)([z_mean, z_log_var]), z)


def test_kl_layer_equals_closed_form_and_tfp():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(7, 3)).astype("float32")
    z_log_var = rng.normal(size=(7, 3)).astype("float32")
    var = np.exp(z_log_var)
    closed_form = 0.5 * np.sum(var + z_mean**2 - 1 - z_log_var, axis=1)
    ours = elbo.kl_to_standard_normal(z_mean, z_log_var).numpy()
    np.testing.assert_allclose(ours, closed_form, rtol=1e-5)
    q = tfd.MultivariateNormalDiag(z_mean, np.sqrt(var))
    p = tfd.MultivariateNormalDiag(tf.zeros(3), tf.ones(3))
    np.testing.assert_allclose(ours, tfd.kl_divergence(q, p).numpy(), rtol=1e-5)

    layer = elbo.KLDivergence(beta=0.5)
    passed = layer([z_mean, z_log_var])
    np.testing.assert_array_equal(passed[0], z_mean)
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * closed_form.mean(), rtol=1e-5)


def test_kl_is_in_model_losses_and_in_the_training_loss(mnist):
    x = mnist.x_test[:64]
    encoder, decoder, vae = models.build_vae(2, beta=2.0, seed=0, hidden_units=(32,))
    z_mean, z_log_var, _ = encoder(x)
    vae(x)
    assert len(vae.losses) == 1
    expected_kl = 2.0 * float(np.mean(elbo.kl_to_standard_normal(z_mean, z_log_var)))
    np.testing.assert_allclose(float(vae.losses[0]), expected_kl, rtol=1e-4)
    logs = vae.evaluate(x, x, batch_size=64, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"] - logs["reconstruction"], expected_kl, rtol=1e-3)


def test_tiny_fit_lowers_the_negative_elbo(mnist):
    encoder, decoder, vae = models.build_vae(2, hidden_units=(64,), seed=0)
    before = vae.evaluate(mnist.x_test, mnist.x_test, verbose=0, return_dict=True)["loss"]
    vae.fit(make_dataset(mnist.x_train[:2000], batch_size=100), epochs=2, verbose=0)
    after = vae.evaluate(mnist.x_test, mnist.x_test, verbose=0, return_dict=True)["loss"]
    assert after < before - 100  # from ~543 nats (random logits) to well under 300


@pytest.mark.parametrize("builder", ["vae", "cvae"])
def test_saved_models_reload_safely_with_identical_outputs(tmp_path, mnist, builder):
    build = models.build_cvae if builder == "cvae" else models.build_vae
    encoder, decoder, model = build(2, architecture="conv", filters=(8, 16), hidden_units=(32,), seed=3)
    x = mnist.x_test[:16]
    inputs = [x, np.eye(10, dtype="float32")[mnist.y_test[:16]]] if builder == "cvae" else x
    model.fit(inputs, x, epochs=1, verbose=0)
    for part in (encoder, decoder, model):
        path = tmp_path / f"{part.name}.keras"
        part.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
        assert [type(layer).__name__ for layer in reloaded.layers] == [type(layer).__name__ for layer in part.layers]
        for mine, theirs in zip(part.get_weights(), reloaded.get_weights(), strict=True):
            np.testing.assert_array_equal(mine, theirs)
    enc = keras.saving.load_model(tmp_path / "encoder.keras", safe_mode=True)
    np.testing.assert_array_equal(enc(inputs)[0], encoder(inputs)[0])
    np.testing.assert_array_equal(enc(inputs)[1], encoder(inputs)[1])
    dec = keras.saving.load_model(tmp_path / "decoder.keras", safe_mode=True)
    z = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    dec_in = [z, inputs[1]] if builder == "cvae" else z
    np.testing.assert_array_equal(dec(dec_in), decoder(dec_in))
    full = keras.saving.load_model(tmp_path / f"{model.name}.keras", safe_mode=True)
    assert full.loss.name == model.loss.name
    full.fit(inputs, x, epochs=1, verbose=0)  # reloaded compiled: it can keep training
    assert len(full.losses) == 1


def test_cvae_decodes_the_label_it_is_given():
    encoder, decoder, cvae = models.build_cvae(2, hidden_units=(32,), seed=0)
    assert len(encoder.inputs) == 2 and len(decoder.inputs) == 2
    z = np.zeros((2, 2), "float32")
    labels = np.eye(10, dtype="float32")[[3, 8]]
    images = decoder([z, labels]).numpy()
    assert images.shape == (2, 28, 28, 1)
    # The label enters through the first layer's weights: the first hidden layer's input is [z, one_hot].
    first = next(layer for layer in decoder.layers if isinstance(layer, keras.layers.Dense))
    kernel = first.kernel.numpy()
    hidden = np.maximum(0, np.concatenate([z, labels], axis=1) @ kernel + first.bias.numpy())
    np.testing.assert_allclose(hidden[0], np.maximum(0, kernel[2 + 3] + first.bias.numpy()), atol=1e-6)
    np.testing.assert_allclose(hidden[1], np.maximum(0, kernel[2 + 8] + first.bias.numpy()), atol=1e-6)
    assert np.abs(images[0] - images[1]).max() > 1e-3, "two labels, one z, and the same image"


def test_pixel_means_turns_logits_into_probabilities():
    _, decoder, _ = models.build_vae(2, hidden_units=(16,))
    z = np.ones((3, 2), "float32")
    logits = decoder(z)
    np.testing.assert_allclose(likelihoods.pixel_means(decoder, logits), tf.sigmoid(logits), rtol=1e-6)
    plain = models.build_decoder(2)
    np.testing.assert_array_equal(likelihoods.pixel_means(plain, plain(z)), plain(z))


def test_gaussian_nll_matches_tfp():
    rng = np.random.default_rng(0)
    x = rng.random((4, 28, 28, 1)).astype("float32")
    mean = rng.random((4, 28, 28, 1)).astype("float32")
    expected = -tfd.Independent(tfd.Normal(mean, 0.2), 3).log_prob(x).numpy()
    np.testing.assert_allclose(likelihoods.gaussian_nll(x, mean, 0.2), expected, rtol=1e-4)


def test_bernoulli_nll_matches_tfp_and_is_stable_for_large_logits():
    rng = np.random.default_rng(0)
    x = (rng.random((4, 28, 28, 1)) > 0.5).astype("float32")
    logits = rng.normal(scale=50, size=(4, 28, 28, 1)).astype("float32")
    expected = -tfd.Independent(tfd.Bernoulli(logits=logits), 3).log_prob(x).numpy()
    ours = likelihoods.bernoulli_nll(x, logits).numpy()
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, expected, rtol=1e-4)


@pytest.mark.parametrize("likelihood, sigma", [("bernoulli", None), ("gaussian", 0.2)])
def test_the_likelihood_survives_save_and_load(tmp_path, likelihood, sigma):
    _, decoder, vae = models.build_vae(2, hidden_units=(16,), likelihood=likelihood, sigma=sigma or 0.1)
    vae.save(tmp_path / "vae.keras")
    reloaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True).get_layer("decoder")
    head = likelihoods.likelihood_of(reloaded)
    assert (head.distribution, head.sigma) == (likelihood, sigma)
    # the compiled loss was derived from the decoder, and comes back with it
    loss = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True).loss
    assert (loss.distribution, loss.sigma) == (likelihood, sigma)


def test_a_plain_decoder_has_no_likelihood_and_says_how_to_get_one():
    with pytest.raises(ValueError, match="has no likelihood.*output='bernoulli' or 'gaussian'"):
        likelihoods.likelihood_of(models.build_decoder(2))
    with pytest.raises(ValueError, match="sigma belongs to a Gaussian likelihood"):
        likelihoods.PixelLikelihood("bernoulli", sigma=0.1)
