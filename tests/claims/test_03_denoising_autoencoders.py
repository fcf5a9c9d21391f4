"""Claims of 03_denoising_autoencoders: corruptions, PSNR, what the denoiser ignores, the denoising field."""

import numpy as np

from tests.claims import claim

VALUES = {
    "19c6df92": {
        "same_as_helper": "bool(np.array_equal(ours, add_noise(digits, 'salt_and_pepper', 0.3, seed=7)))",
        "noisy_range": "(float(ours.min()), float(ours.max()))",
        "changed": "changed",
    },
    "0c00b9b6": {"denoiser_losses": "denoiser_losses", "plain_losses": "plain_losses"},
    "0ada30b6": {"table": "table", "clean_psnr": "clean_psnr"},
    "a80505ef": {"blot_psnr": "blot_psnr"},
    "3a4a3e03": {"distances": "distances", "last_change": "float(np.abs(chain[-1] - chain[-2]).mean())"},
    "0142bb83": {"gains": "gains"},
    "2b6dd968": {"grid": "grid", "learned": "learned", "optimal": "optimal"},
}


@claim("5996a24d", "with the same seed it gives exactly the same image")
def test_the_hand_written_salt_and_pepper_is_the_helpers(values):
    assert values["same_as_helper"]
    low, high = values["noisy_range"]
    assert 0 <= low and high <= 1


@claim("dd0ea40f", "Fewer pixels change than are hit (30%)")
def test_fewer_pixels_change_than_are_hit(values):
    assert values["changed"] < 0.3


@claim("ab34d783", "The denoiser's loss stays higher")
def test_the_denoisers_loss_stays_higher(values):
    assert values["denoiser_losses"][-1] < 0.03
    assert values["plain_losses"][-1] < 0.01
    assert values["denoiser_losses"][-1] > values["plain_losses"][-1]


def _heavy(table):
    return table[table.index.get_level_values("level") >= 0.3]


@claim("c4f8b19d", "At level 0.3 and above the denoiser gains several dB on every noise")
def test_the_denoiser_gains_several_db_at_heavy_noise(values):
    assert (_heavy(values["table"])["gain"] > 2).all(), values["table"]


@claim("c4f8b19d", "more on Gaussian and salt-and-pepper noise than on masking")
def test_masking_gains_least(values):
    table = values["table"]
    assert table.loc[("masking", 0.5), "gain"] < min(table.loc[(kind, 0.5), "gain"]
                                                     for kind in ("gaussian", "salt_and_pepper"))


@claim("c4f8b19d", "At level 0.1 the gain is small or even negative")
def test_light_gaussian_noise_gains_little(values):
    assert values["table"].loc[("gaussian", 0.1), "gain"] < 1


@claim("896d0789", "beats a plain autoencoder there, at a small cost on clean digits")
def test_the_denoiser_beats_the_plain_autoencoder_on_noise_but_not_on_clean_digits(values):
    heavy = _heavy(values["table"])
    assert (heavy["denoiser"] > heavy["plain AE"] + 0.5).all()
    assert values["clean_psnr"]["plain AE"] > values["clean_psnr"]["denoiser"] + 0.3


@claim("772ae2d1", "Strokes and blots on empty background fade or vanish")
def test_the_denoiser_removes_part_of_the_blots(values):
    assert values["blot_psnr"]["denoiser"] > values["blot_psnr"]["blotted input"] + 1


@claim("3f22d3ff", "One pass turns the snow into a faint, digit-shaped smear")
def test_one_pass_brings_noise_close_to_the_digits(values):
    distances = values["distances"]
    assert distances[0] > 2 * distances[1]


@claim("3f22d3ff", "a *fixed point* of the denoiser")
def test_the_chain_settles(values):
    assert values["last_change"] < 0.02


@claim("012632d6", "A random nudge is largely absorbed by the denoiser")
def test_the_denoiser_absorbs_random_nudges_and_follows_digit_ones(values):
    gains = values["gains"]
    assert gains.loc["random direction", "denoiser"] < gains.loc["random direction", "plain AE"]
    assert gains.loc["towards another digit", "denoiser"] > 3 * gains.loc["random direction", "denoiser"]


@claim("29e5d452", "Both fields point towards the circle")
def test_the_learned_field_is_the_optimal_one(values):
    grid, learned, optimal = values["grid"], values["learned"], values["optimal"]
    radius = np.linalg.norm(grid, axis=1)
    ring = (radius > 0.4) & (radius < 1.7)
    v_learned, v_optimal = (learned - grid)[ring], (optimal - grid)[ring]
    cosine = (v_learned * v_optimal).sum(1) / (np.linalg.norm(v_learned, axis=1) * np.linalg.norm(v_optimal, axis=1))
    assert cosine.mean() > 0.9
    assert np.linalg.norm(learned - optimal, axis=1)[ring].mean() < 0.1


@claim("29e5d452", "Inside, they point *outwards*")
def test_inside_the_circle_both_fields_point_outwards(values):
    grid = values["grid"]
    radius = np.linalg.norm(grid, axis=1)
    inner = (radius > 0.1) & (radius < 0.7)
    for field in (values["learned"], values["optimal"]):
        assert np.mean(np.sum((field - grid)[inner] * grid[inner], axis=1) / radius[inner]) > 0
