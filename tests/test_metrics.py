import numpy as np
import pytest

from vaecourse import metrics, models


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
    encoder, decoder, cvae = models.build_cvae(2, hidden_units=(32,), seed=0)
    x, y = mnist.x_test[:100], mnist.y_test[:100]
    right = metrics.evaluate_elbo(encoder, decoder, x, labels=y)
    wrong = metrics.evaluate_elbo(encoder, decoder, x, labels=(y + 1) % 10)
    assert np.isfinite(right.elbo) and right.elbo != wrong.elbo
    assert np.isfinite(metrics.importance_sampled_log_likelihood(encoder, decoder, x, labels=y, num_samples=3))


def test_gaussian_vae_elbo(mnist):
    encoder, decoder, vae = models.build_vae(2, likelihood="gaussian", sigma=0.2, hidden_units=(32,))
    x = mnist.x_test[:100]
    result = metrics.evaluate_elbo(encoder, decoder, x, likelihood="gaussian", sigma=0.2)
    keras_loss = vae.evaluate(x, x, batch_size=100, verbose=0, return_dict=True)["loss"]
    assert -result.elbo == pytest.approx(keras_loss, rel=0.05)


def test_mse_and_psnr_known_values():
    x = np.full((3, 4, 4, 1), 0.5, np.float32)
    x_hat = x + 0.1
    assert metrics.reconstruction_mse(x, x_hat) == pytest.approx(0.01, rel=1e-5)
    assert metrics.psnr(x, x_hat) == pytest.approx(20.0, abs=1e-4)  # 10 log10(1 / 0.01)
    assert metrics.psnr(x, x) == pytest.approx(100.0)  # floored MSE, not infinity
    assert metrics.psnr(x, x + 0.01) > metrics.psnr(x, x_hat)
