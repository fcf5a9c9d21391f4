import numpy as np

from vaecourse.data import make_dataset
from vaecourse.models import build_vae
from vaecourse.training import seed_everything


def _train_once(x):
    seed_everything(123)
    _, _, vae = build_vae(2, architecture="conv", filters=(8, 16), hidden_units=(32,))
    history = vae.fit(make_dataset(x, batch_size=64, binarize="dynamic"), epochs=2, verbose=0)
    return history.history["loss"], vae.get_weights()


def test_same_seed_gives_bitwise_identical_training(mnist):
    x = mnist.x_train[:512]
    losses_a, weights_a = _train_once(x)
    losses_b, weights_b = _train_once(x)
    assert losses_a == losses_b  # exact float equality, not approximate
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)


def test_different_seed_gives_different_training(mnist):
    x = mnist.x_train[:512]
    losses_a, _ = _train_once(x)
    seed_everything(124)
    _, _, vae = build_vae(2, architecture="conv", filters=(8, 16), hidden_units=(32,))
    losses_b = vae.fit(make_dataset(x, batch_size=64, binarize="dynamic"), epochs=2, verbose=0).history["loss"]
    assert losses_a != losses_b
