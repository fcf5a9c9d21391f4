"""Claims of 10_what_came_after: why VAE samples blur, a GAN on a ring and on digits, and its losses."""

import numpy as np
import pytest

from tests.claims import Break, claim

VALUES = {
    "412a128c": {"grey_real": "grey_share(mnist.x_test[:NUM_SAMPLES])", "grey_vae": "grey_share(vae_means)",
                 "vae_draws_binary": "bool(np.all((vae_draws == 0) | (vae_draws == 1)))"},
    "a1e0c004": {"careful_sectors": "[sector_shares(points) for points in toy_runs['careful'][1]]",
                 "hasty_sectors": "[sector_shares(points) for points in toy_runs['hasty'][1]]",
                 "careful_last": "toy_runs['careful'][1][-1]", "centres": "centres"},
    "sol10-1": {"exercise_busiest": "exercise_busiest", "seed": "SEED"},
    "dd461dfa": {"final_losses": "losses[-100:].mean(axis=0)",
                 "equilibrium": "[D_AT_EQUILIBRIUM, G_AT_EQUILIBRIUM]"},
    "6874c493": {"grey_gan": "grey_share(gan_samples)",
                 "readable": "{name: float(np.mean(read != judge.UNREADABLE)) for name, read in readings.items()}",
                 "unevenness": "unevenness"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("bc76bc25", "g_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)",
              "g_loss = cross_entropy(tf.zeros_like(fake_logits), fake_logits)",
              "the generator's target flipped: it learns to look fake")


@claim("8de5dd14", "The VAE's means are much greyer than real digits; its samples have no grey")
def test_the_vaes_means_are_grey_and_its_samples_binary(values):
    assert values["grey_vae"] > values["grey_real"] + 0.2
    assert values["vae_draws_binary"]


@claim("a1e0c005", "by the last snapshot more than half of its samples lie within 0.5 of a mode")
def test_the_careful_gan_gathers_near_the_modes(values):
    distances = np.linalg.norm(values["careful_last"][:, None] - values["centres"][None], axis=-1)
    near = distances.min(axis=1) < 0.5
    per_mode = np.bincount(distances.argmin(axis=1)[near], minlength=8) / len(near)
    assert near.mean() > 0.5, near.mean()
    assert np.sum(per_mode > 0.03) >= 6, per_mode


@claim("a1e0c005", "(a large share of them in one sector,\n40% or more in our runs")
def test_the_hasty_gan_collapses_onto_a_patch(values):
    busiest = [shares.max() for shares in values["hasty_sectors"]]
    assert busiest[0] > 0.35, busiest  # at the first snapshot: 0.98, 0.74 and 0.40 (full-size, SEED = 2) seen
    assert max(shares.max() for shares in values["careful_sectors"]) < 0.35


@claim("a1e0c005", "by the next snapshot the streak has swung to\nanother direction")
def test_the_hasty_gans_patch_moves(values):
    busiest = [int(shares.argmax()) for shares in values["hasty_sectors"]]
    assert len(set(busiest)) > 1, busiest


@claim("01443fec", "The discriminator's loss sits well below its equilibrium value and the generator's well above")
def test_the_discriminator_is_winning(values):
    (d_loss, g_loss), (d_equilibrium, g_equilibrium) = values["final_losses"], values["equilibrium"]
    assert abs(d_equilibrium - 1.376) < 1e-3
    assert abs(g_equilibrium - 0.799) < 1e-3
    assert d_loss < 0.8 * d_equilibrium and g_loss > 1.5 * g_equilibrium, values["final_losses"]


@claim("a9f97db3", "The GAN's samples are somewhat less grey than the VAE's means")
def test_the_gans_samples_are_less_grey(values):
    assert values["grey_gan"] < values["grey_vae"] - 0.05, (values["grey_gan"], values["grey_vae"])  # "somewhat"


@claim("a9f97db3", "the judge reads a digit in\nfewer of them")
def test_the_judge_reads_fewer_gan_samples(values):
    readable = values["readable"]
    assert readable["GAN"] < readable["VAE"] - 0.1, readable


@claim("a9f97db3", "the digits it does read are spread less evenly over the classes than the VAE's")
def test_the_gans_classes_are_uneven(values):
    unevenness = values["unevenness"]
    assert unevenness["GAN"] > 1.5 * unevenness["VAE"], unevenness


@claim("ex10-1-after", "dropping the label smoothing brings back a brief, partial\ncollapse at the first snapshot")
def test_without_label_smoothing_the_collapse_comes_back_briefly(values):
    if values["seed"] != 0:
        pytest.skip("the sentence is about SEED 0")
    unsmoothed, larger_step = values["exercise_busiest"].values()
    assert 0.3 < unsmoothed[0] < 0.9 and max(unsmoothed[1:]) < 0.3, unsmoothed  # 48%, then 17% and less
    assert max(larger_step) < 0.3, larger_step  # 17% or less
