"""Claims of 03_denoising_autoencoders: corruptions, PSNR, copying, what the denoiser passes on, sampling."""

import numpy as np

from tests.claims import Break, claim, only_as_on_a_cpu, trained_as_on_a_cpu

_PSNR_AT_HALF = "{kind: float(psnr(x_eval, restore(MODEL, add_noise(x_eval, kind, 0.5, seed=TEST_NOISE_SEED)))) " \
                "for kind in NOISE_KINDS}"
VALUES = {
    "sol03-1": {"specialist_psnr": _PSNR_AT_HALF.replace("MODEL", "specialist"),
                "mixed_psnr": _PSNR_AT_HALF.replace("MODEL", "denoiser")},
    "19c6df92": {
        "same_as_helper": "bool(np.array_equal(ours, add_noise(digits, 'salt_and_pepper', 0.3, seed=7)))",
        "noisy_range": "(float(ours.min()), float(ours.max()))",
        "changed": "changed",
    },
    "0c00b9b6": {"denoiser_losses": "denoiser_losses", "plain_losses": "plain_losses"},
    "0ada30b6": {"table": "table", "clean_psnr": "clean_psnr"},
    "6a360bb1": {"copying": "copying", "blank": "blank"},
    "a80505ef": {"blot_psnr": "blot_psnr"},
    "c089e25b": {"looped_readable": "looped_readable", "chain_steps": "CHAIN_STEPS"},
    "dda19dab": {"chain_readable": "chain_readable", "visited": "visited",
                 "classes_at_last_step": "len(set(last[last >= 0].tolist()))"},
    "0142bb83": {"strong_directions": "{name: (s > 0.5).sum(axis=1).tolist() for name, s in spectra.items()}",
                 "rms_gain": "{name: np.sqrt((s**2).mean(axis=1)).tolist() for name, s in spectra.items()}",
                 "rank": "{name: (s > 1e-3).sum(axis=1).tolist() for name, s in spectra.items()}",
                 "top_gain": "{name: s[:, 0].tolist() for name, s in spectra.items()}"},
    "2b6dd968": {"grid": "grid", "learned": "learned", "optimal": "optimal"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("0c00b9b6", "make_dataset(noisy, targets=clean,",
              "make_dataset(noisy, targets=noisy,",
              "the denoiser trained to give back its noisy input instead of the clean digit")


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


@claim("c4f8b19d", "At level 0.3 and above the denoiser gains at least a few dB on every\nnoise")
def test_the_denoiser_gains_several_db_at_heavy_noise(values):
    assert (_heavy(values["table"])["gain"] > 2).all(), values["table"]


@claim("c4f8b19d", "The gain is smallest for masking, but masked digits do not come out worst")
def test_masking_gains_least_because_its_input_is_cleaner(values):
    table = values["table"]
    assert table.loc[("masking", 0.5), "gain"] < min(table.loc[(kind, 0.5), "gain"]
                                                     for kind in ("gaussian", "salt_and_pepper"))
    for level in sorted(set(_heavy(table).index.get_level_values("level"))):
        assert table.loc[("masking", level), "denoiser"] > table.loc[("salt_and_pepper", level), "denoiser"]
        assert table.loc[("masking", level), "noisy"] > table.loc[("salt_and_pepper", level), "noisy"]


@claim("c4f8b19d", "the denoiser's\noutput is about as good as what it makes of a clean digit (the dotted line)")
def test_at_light_noise_the_denoiser_redraws_to_its_own_level(values):
    table, line = values["table"], values["clean_psnr"]["denoiser"]
    light = table[table.index.get_level_values("level") == 0.1]
    assert (abs(light["denoiser"] - line) < 1.5).all(), (light, line)
    above = light[light["noisy"] > line - 0.5]  # inputs at or above the line come out no better
    assert len(above) >= 1 and (above["gain"] < 0.5).all(), light


@claim("c4f8b19d", "the salt-and-pepper input is not: its PSNR is\nabout that of Gaussian noise at 0.3")
def test_light_salt_and_pepper_is_as_costly_as_heavier_gaussian_noise(values):
    table = values["table"]
    clean = [table.loc[(kind, 0.1), "noisy"] for kind in ("gaussian", "masking")]
    pepper, gaussian = table.loc[("salt_and_pepper", 0.1), "noisy"], table.loc[("gaussian", 0.3), "noisy"]
    assert min(clean) > pepper + 5, table  # 13 dB against 20-23
    assert abs(pepper - gaussian) < 1.5, table


@claim("896d0789", "at a cost of about one to two dB on clean digits in our runs on the CPU")
def test_the_denoiser_beats_the_plain_autoencoder_on_noise_but_not_on_clean_digits(values):
    heavy = _heavy(values["table"])
    assert (heavy["denoiser"] > heavy["plain AE"] + 0.5).all()
    cost = values["clean_psnr"]["plain AE"] - values["clean_psnr"]["denoiser"]
    assert 0 < cost < 3.5, cost  # 1.7 and 0.8 dB on the CPU, 2.8 with LONGER = 4
    if trained_as_on_a_cpu():
        assert 0.5 < cost < 2.5, cost


@claim("3a107bb9", "The plain overcomplete model copies")
def test_the_plain_overcomplete_model_copies_and_the_denoiser_does_not(values):
    copying, blank = values["copying"], values["blank"]
    assert copying.loc["random dots", "plain"] < 0.3 * blank, copying
    assert copying.loc["random dots", "denoiser"] > 2 * copying.loc["random dots", "plain"], copying
    assert copying.loc["digits", "plain"] < copying.loc["digits", "denoiser"], copying


@claim("772ae2d1", "Strokes and blots on empty background mostly fade or vanish")
def test_the_denoiser_removes_part_of_the_blots(values):
    assert values["blot_psnr"]["denoiser"] > values["blot_psnr"]["blotted input"] + 1


@claim("3f22d3ff", "in our runs on the CPU many did, and the judge\nreads only some of the images as digits")
def test_denoising_in_a_loop_ends_in_unreadable_blobs(values):
    only_as_on_a_cpu("0.65 read with LONGER = 4")
    assert values["looped_readable"][values["chain_steps"]] < 0.6, values["looped_readable"]


@claim("d0d32177", "from twenty steps on the judge reads far more of the images as digits than in the loop above")
def test_the_markov_chain_draws_readable_digits_of_many_classes(values):
    chain, loop = values["chain_readable"], values["looped_readable"]
    margin = 0.2 if trained_as_on_a_cpu() else 0.0  # the sentence is the CPU's; with LONGER=4, 0.75 against 0.65
    assert all(chain[step] > loop[step] + margin for step in chain if step >= 20), (chain, loop)  # level at 5 steps
    assert chain[values["chain_steps"]] >= 0.2, chain  # 0.25 in the full-size run with SEED = 1
    assert values["classes_at_last_step"] >= 4


@claim("d0d32177", "Some chains also change class along the way")
def test_some_chains_visit_several_digits(values):
    assert max(values["visited"]) >= 2, values["visited"]


@claim("012632d6", "fewer directions with a gain above one half at\nnearly every digit, and never more")
def test_the_denoiser_passes_on_fewer_directions_than_the_plain_autoencoder(values):
    denoiser, plain = (np.array(values["strong_directions"][name]) for name in ("denoiser", "plain AE"))
    assert np.all(denoiser <= plain) and np.sum(denoiser < plain) >= 4, (denoiser, plain)  # one tie: SEED = 2


@claim("012632d6", "averaged over the five digits, less for the denoiser in our runs on the CPU")
def test_a_random_nudge_comes_through_the_denoiser_less(values):
    denoiser, plain = (np.mean(values["rms_gain"][name]) for name in ("denoiser", "plain AE"))
    only_as_on_a_cpu("0.362 against 0.366 with LONGER = 4")
    assert denoiser < plain - 0.02, (denoiser, plain)  # 0.21 against 0.32, 0.27 against 0.31


@claim("012632d6", "of the 128\nothers only some exceed one half (at most about a third in our runs on the CPU)")
def test_both_jacobians_have_rank_at_most_the_code_and_few_strong_directions(values):
    for name, counts in values["strong_directions"].items():
        most = 48 if trained_as_on_a_cpu() else 64  # 15 to 43 on the CPU, to 64 with LONGER = 4
        assert all(5 <= count <= most for count in counts), counts
        assert all(rank <= 128 for rank in values["rank"][name]), values["rank"]


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


@claim("012632d6", "along its leading directions the denoiser *amplifies* a nudge")
def test_the_denoiser_amplifies_its_first_directions(values):
    assert min(values["top_gain"]["denoiser"]) > 1, values["top_gain"]


@claim("c4f8b19d", "in our runs on the CPU *worse* (a\nnegative gain in the table)")
def test_a_light_corruption_can_come_out_worse(values):
    light = values["table"].xs(0.1, level="level")
    only_as_on_a_cpu("+0.1 dB with LONGER = 4")
    assert (light["gain"] < 0).any(), light


@claim("c4f8b19d", "More capacity and more training\nshould lower the reconstruction error and raise the line")
def test_longer_training_raises_the_line(values):
    line = values["clean_psnr"]["denoiser"]
    assert (line < 21.5) if trained_as_on_a_cpu() else (line > 22), line  # 20.5-20.8 on the CPU, 22.5 with LONGER = 4


@claim("3f22d3ff", "section 3 below measures gains of two or more")
def test_the_denoisers_largest_gains_are_several_times(values):
    assert all(1.8 < gain < 15 for gain in values["top_gain"]["denoiser"]), values["top_gain"]  # to 12 with LONGER=4


def _specialist_shortfall(values):
    """How many dB the Gaussian-only denoiser of exercise 1 scored below the mixed one, per noise at 0.5."""
    return {kind: values["mixed_psnr"][kind] - values["specialist_psnr"][kind] for kind in values["mixed_psnr"]}


@claim("ex03-1-after", "about as good as the mixed model on its own Gaussian noise (within a\nfraction of a dB)")
def test_the_specialist_is_about_as_good_on_its_own_noise(values):
    assert abs(_specialist_shortfall(values)["gaussian"]) < 0.5, values["specialist_psnr"]  # -0.14, -0.04


@claim("ex03-1-after", "a few tenths of a dB worse on salt-and-pepper")
def test_the_specialist_is_a_little_worse_on_salt_and_pepper(values):
    assert 0.05 < _specialist_shortfall(values)["salt_and_pepper"] < 0.9, values["specialist_psnr"]  # 0.25, 0.29


@claim("ex03-1-after", "about two to three dB worse on\nmasking")
def test_the_specialist_is_clearly_worse_on_masking(values):
    assert 1.5 < _specialist_shortfall(values)["masking"] < 3.5, values["specialist_psnr"]  # 2.74, 2.61
