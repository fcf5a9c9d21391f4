"""Shared test set-up: offline data, a quiet TensorFlow, a headless matplotlib."""

import os

os.environ.setdefault("VAECOURSE_MNIST", "subset")  # tests never depend on the network
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    from vaecourse.data import load_mnist

    return load_mnist("subset", verbose=False)


@pytest.fixture(scope="session")
def small_vae(mnist):
    """A small dense VAE trained for a few epochs: enough for metrics to mean something."""
    from vaecourse.data import make_dataset
    from vaecourse.models import build_vae
    from vaecourse.training import seed_everything

    seed_everything(0)
    encoder, decoder, vae = build_vae(2, architecture="dense", hidden_units=(128,), seed=0)
    vae.fit(make_dataset(mnist.x_train, batch_size=100, seed=0), epochs=5, verbose=0)
    return encoder, decoder, vae
