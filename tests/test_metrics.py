import keras
import numpy as np
import pytest

from vaecourse import likelihoods, metrics, models
from vaecourse.pipeline import make_dataset

pytestmark = pytest.mark.unit


def test_elbo_parts_add_up_and_match_keras_evaluate(small_vae, mnist):
    encoder, decoder, vae = small_vae
    x = mnist.x_test
    result = metrics.evaluate_elbo(encoder, decoder, x, num_samples=10)
    assert result.elbo == pytest.approx(result.reconstruction - result.kl)
    assert result.kl > 0 and result.reconstruction < 0
    # Keras' loss is the single-sample negative ELBO averaged over the same images.
    keras_loss = vae.evaluate(x, x, batch_size=1000, verbose=0, return_dict=True)["loss"]
    assert -result.elbo == pytest.approx(keras_loss, abs=2.0)
    assert -250 < result.elbo < -150  # a few epochs of training on real digits
    assert "ELBO" in str(result)


def test_importance_sampling_tightens_the_bound_as_k_grows(small_vae, mnist):
    encoder, decoder, _ = small_vae
    x = mnist.x_test[:300]
    elbo = metrics.evaluate_elbo(encoder, decoder, x, num_samples=50).elbo
    bounds = [metrics.importance_sampled_log_likelihood(encoder, decoder, x, num_samples=k)
              for k in (1, 10, 100)]
    assert bounds[0] == pytest.approx(elbo, abs=1.0)  # k = 1 is an ELBO estimate
    assert elbo <= bounds[1] <= bounds[2]
    assert bounds[2] - elbo < 20  # but the ELBO is not far off for a good encoder


def test_metrics_are_seeded(small_vae, mnist):
    encoder, decoder, _ = small_vae
    x = mnist.x_test[:50]
    one = metrics.importance_sampled_log_likelihood(encoder, decoder, x, num_samples=5, seed=1)
    assert one == metrics.importance_sampled_log_likelihood(encoder, decoder, x, num_samples=5, seed=1)


def test_conditional_metrics_use_the_labels(mnist):
    encoder, decoder, cvae = models.build_cvae(2, hidden_units=(128,), seed=0)
    cvae.fit(make_dataset(mnist.x_train, labels=mnist.y_train, seed=0), epochs=5, verbose=0)
    x, y = mnist.x_test[:200], mnist.y_test[:200]
    right = metrics.evaluate_elbo(encoder, decoder, x, labels=y)
    wrong = metrics.evaluate_elbo(encoder, decoder, x, labels=(y + 1) % 10)
    # Trained with its labels, the model explains the digits far better under the right ones (about 60 nats).
    assert right.elbo > wrong.elbo + 20, (right, wrong)
    right_is = metrics.importance_sampled_log_likelihood(encoder, decoder, x, labels=y, num_samples=10)
    wrong_is = metrics.importance_sampled_log_likelihood(encoder, decoder, x, labels=(y + 1) % 10, num_samples=10)
    assert right_is > wrong_is + 20 and right_is >= right.elbo - 1


def test_gaussian_vae_elbo(mnist):
    encoder, decoder, vae = models.build_vae(2, likelihood="gaussian", sigma=0.2, hidden_units=(32,))
    x = mnist.x_test[:100]
    result = metrics.evaluate_elbo(encoder, decoder, x)  # the decoder knows its sigma
    keras_loss = vae.evaluate(x, x, batch_size=100, verbose=0, return_dict=True)["loss"]
    assert -result.elbo == pytest.approx(keras_loss, rel=0.05)


def test_mse_and_psnr_known_values():
    x = np.full((3, 4, 4, 1), 0.5, np.float32)
    x_hat = x + 0.1
    assert metrics.reconstruction_mse(x, x_hat) == pytest.approx(0.01, rel=1e-5)
    assert metrics.psnr(x, x_hat) == pytest.approx(20.0, abs=1e-4)  # 10 log10(1 / 0.01)
    assert metrics.psnr(x, x) == pytest.approx(100.0)  # floored MSE, not infinity
    assert metrics.psnr(x, x + 0.01) > metrics.psnr(x, x_hat)


def test_mse_and_psnr_count_every_image_of_a_test_set_cut_in_chunks():
    # 2,345 images: two whole chunks of 1,000 and a short one, with errors growing along the set
    rng = np.random.default_rng(0)
    x = rng.random((2345, 28, 28, 1), dtype=np.float32)
    x_hat = np.clip(x + np.linspace(0.01, 0.3, len(x), dtype=np.float32)[:, None, None, None], 0, 1)
    per_image = np.mean((x.astype("float64") - x_hat) ** 2, axis=(1, 2, 3))
    assert metrics.reconstruction_mse(x, x_hat) == pytest.approx(per_image.mean(), rel=1e-12)
    assert metrics.psnr(x, x_hat) == pytest.approx(np.mean(10 * np.log10(1 / per_image)), rel=1e-12)


class _CountDecodes(keras.layers.Layer):
    """Passes z on and records how many latent points each call decodes."""

    def __init__(self, sizes, **kwargs):
        super().__init__(**kwargs)
        self.record = sizes.append  # a bound method: Keras would copy a list attribute

    def call(self, z):
        if z.shape[0] is not None:  # a real call, not Keras tracing the model's shapes
            self.record(int(z.shape[0]))
        return z


def test_importance_sampling_keeps_memory_bounded_for_thousands_of_samples(small_vae, mnist):
    encoder, decoder, _ = small_vae
    sizes = []
    z = keras.Input((2,))
    counting = keras.Model(z, decoder(_CountDecodes(sizes)(z)), name="counting")
    x = mnist.x_test[:20]
    with pytest.raises(ValueError, match="has no likelihood"):  # the wrapper hides the head: refused, not guessed
        metrics.importance_sampled_log_likelihood(encoder, counting, x, num_samples=10)
    wrapped = keras.Model(z, likelihoods.PixelLikelihood()(decoder(_CountDecodes(sizes)(z))), name="wrapped")
    chunked = metrics.importance_sampled_log_likelihood(encoder, wrapped, x, num_samples=2_000, max_decodes=500,
                                                        per_image=True)
    assert max(sizes) <= 500 and sum(sizes) == 2_000 * len(x)  # every sample decoded, never more than 500 at once
    whole = metrics.importance_sampled_log_likelihood(encoder, decoder, x, num_samples=2_000, per_image=True)
    elbo = metrics.evaluate_elbo(encoder, decoder, x, num_samples=100).elbo
    # Different chunks draw different samples: with K = 2,000 the two estimates agree closely, above the ELBO.
    assert abs(chunked.mean() - whole.mean()) < 0.3 and chunked.mean() > elbo


def test_active_units_count_the_dimensions_the_encoder_uses(small_vae, mnist):
    encoder, _, _ = small_vae
    count, variances = metrics.active_units(encoder, mnist.x_test)
    assert count == 2 and np.all(variances > 0.01)  # a trained 2-D VAE uses both dimensions
    untrained, _, _ = models.build_vae(4, hidden_units=(8,), seed=0)
    # with a huge threshold nothing counts as active
    assert metrics.active_units(untrained, mnist.x_test[:100], threshold=1e6)[0] == 0


def test_per_image_elbo_averages_to_the_elbo(small_vae, mnist):
    encoder, decoder, _ = small_vae
    x = mnist.x_test[:40]
    each = metrics.evaluate_elbo(encoder, decoder, x, num_samples=5, per_image=True)
    mean = metrics.evaluate_elbo(encoder, decoder, x, num_samples=5)
    assert each.elbo.shape == (40,) and np.allclose(each.elbo, each.reconstruction - each.kl)
    assert mean.elbo == pytest.approx(float(each.elbo.mean()), rel=1e-6)


def test_the_kl_per_dimension_adds_up_to_the_kl_and_is_zero_for_a_dimension_switched_off(mnist):
    encoder, decoder, _ = models.build_vae(3, hidden_units=(16,), seed=0)
    for name in ("z_mean", "z_log_var"):  # dimension 0: mean 0 and log-variance 0 for every image, q = N(0, 1)
        layer = encoder.get_layer(name)
        kernel, bias = layer.get_weights()
        kernel[:, 0], bias[0] = 0.0, 0.0
        layer.set_weights([kernel, bias])
    shares = metrics.kl_per_dimension(encoder, mnist.x_test[:200], batch_size=64)
    assert shares.shape == (3,) and shares[0] == pytest.approx(0.0, abs=1e-9) and np.all(shares[1:] > 0)
    total = metrics.evaluate_elbo(encoder, decoder, mnist.x_test[:200]).kl
    assert shares.sum() == pytest.approx(total, rel=1e-4)
