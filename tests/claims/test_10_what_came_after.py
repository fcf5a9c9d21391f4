"""Claims of 10_what_came_after: why VAE samples blur, and a small GAN beside the VAE."""

import numpy as np

from tests.claims import claim

VALUES = {
    "412a128c": {"grey_real": "grey_share(mnist.x_test[:NUM_SAMPLES])", "grey_vae": "grey_share(vae_means)",
                 "vae_draws_binary": "bool(np.all((vae_draws == 0) | (vae_draws == 1)))"},
    "6874c493": {"grey_gan": "grey_share(gan_samples)", "gan_classes": "classes['GAN']",
                 "final_losses": "losses[-100:].mean(axis=0)"},
}


@claim("8de5dd14", "The VAE's means are much greyer than real digits; its samples have no grey")
def test_the_vaes_means_are_grey_and_its_samples_binary(values):
    assert values["grey_vae"] > values["grey_real"]
    assert values["vae_draws_binary"]


@claim("a9f97db3", "The GAN's images are far less grey than the VAE's means")
def test_the_gans_samples_are_less_grey(values):
    assert values["grey_gan"] < values["grey_vae"]


@claim("a9f97db3", "so it has not collapsed")
def test_the_gans_samples_are_judged_as_many_digits(values):
    assert int(np.sum(values["gan_classes"] > 0)) >= 8


@claim("01443fec", "two losses that stay away from zero")
def test_neither_gan_loss_went_to_zero(values):
    assert np.all(values["final_losses"] > 0.1), values["final_losses"]
