"""Fixtures shared by the unit tests (the environment is set in the root conftest.py)."""

import matplotlib
import pytest

# Draw off-screen. Set here, not through MPLBACKEND, which the notebook kernels would inherit.
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def mnist():
    from vaecourse.data import load_mnist

    return load_mnist("subset", verbose=False)


@pytest.fixture(scope="session")
def small_vae(mnist):
    """A small dense VAE trained for a few epochs: enough for metrics to mean something."""
    from vaecourse.models import build_vae
    from vaecourse.pipeline import make_dataset
    from vaecourse.reproducibility import seed_everything

    seed_everything(0)
    encoder, decoder, vae = build_vae(2, architecture="dense", hidden_units=(128,), seed=0)
    vae.fit(make_dataset(mnist.x_train, batch_size=100, seed=0), epochs=5, verbose=0)
    return encoder, decoder, vae


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (tests/harness.py, require_chromium)."""
    from playwright.sync_api import sync_playwright

    from tests.harness import launch_chromium, require_chromium

    require_chromium()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
