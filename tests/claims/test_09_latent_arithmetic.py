"""Claims of 09_latent_arithmetic: attribute vectors against a random direction, and against conditioning."""

import numpy as np

from tests.claims import Break, claim

VALUES = {
    "df24c669": {"strengths": "list(STRENGTHS)", "bold_effect": "bold_effect", "random_effect": "random_effect"},
    "7f38131f": {"bold_classes": "np.bincount(mnist.y_train[bold], minlength=10)",
                 "thin_classes": "np.bincount(mnist.y_train[thin], minlength=10)"},
    "c7d07d2c": {"slant_effect": "slant_effect", "cosine": "cosine",
                 "right_classes": "np.bincount(mnist.y_train[slants >= right], minlength=10)",
                 "left_classes": "np.bincount(mnist.y_train[slants <= left], minlength=10)"},
    "4c0e5fc9": {"conditioned": "conditioned"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("39a9fb07", "relative_ink = ink / class_ink[mnist.y_train]",
              "relative_ink = ink",
              "groups by raw ink, not ink relative to the class: boldness confounded with the class")


@claim("cce07e4b", "the ink rises steadily with the strength, far more than along the\nrandom direction")
def test_the_bold_vector_raises_the_ink(values):
    bold, random = values["bold_effect"], values["random_effect"]
    assert np.all(np.diff(bold[:, 0]) > 0)
    assert np.ptp(bold[:, 0]) > 2 * np.ptp(random[:, 0])


@claim("cce07e4b", "At moderate strengths most edited digits are still read as their own\nclass")
def test_moderate_edits_keep_their_class(values):
    strengths = np.array(values["strengths"])
    assert np.all(values["bold_effect"][np.abs(strengths) <= 0.5, 1] >= 0.6)  # "most": 0.74 at SEED = 1


@claim("cce07e4b", "In these runs the bold vector kept more digits than the\nrandom direction at $s = -1$; "
                   "at $s = +1$ neither kept clearly more (the two within about five points)")
def test_the_bold_vector_keeps_the_class_better_thinning_than_thickening(values):
    strengths = list(values["strengths"])
    thin, thick = strengths.index(-1.0), strengths.index(1.0)
    kept_bold, kept_random = values["bold_effect"][:, 1], values["random_effect"][:, 1]
    assert kept_bold[thin] > kept_random[thin], (kept_bold, kept_random)  # 0.67 against 0.57, 0.66 against 0.60
    # 0.49 against 0.50, 0.54 against 0.58, and with the tests' one-thread kernels 0.53 against 0.48
    assert abs(kept_bold[thick] - kept_random[thick]) < 0.07, (kept_bold, kept_random)


@claim("fca70312", "The digits lean further right with every step")
def test_the_slant_vector_raises_the_slant(values):
    assert np.all(np.diff(values["slant_effect"][:, 2]) > 0)
    assert abs(values["cosine"]) < 0.7


@claim("e0987841", "Both ways work")
def test_the_cvae_labels_give_rising_ink_and_keep_the_class(values):
    conditioned = values["conditioned"]
    assert np.all(np.diff(conditioned[:, 0]) > 0)
    assert np.all(conditioned[:, 1] >= 0.8)


@claim("04186f8d", "at the largest strengths, in either\ndirection, some digits also change class")
def test_the_largest_edits_cost_the_class(values):
    strengths, own_class = np.array(values["strengths"]), values["bold_effect"][:, 1]
    at_zero, at_ends = own_class[strengths == 0][0], own_class[np.abs(strengths) == 1]
    assert np.all(at_ends < at_zero - 0.05), own_class


@claim("cce07e4b", "The slant hardly moves, but\nthe width grows with the ink")
def test_the_bold_vector_brings_the_width_along_but_not_the_slant(values):
    bold = values["bold_effect"]
    assert np.all(np.diff(bold[:, 3]) > 0), bold[:, 3]
    assert np.ptp(bold[:, 2]) < 0.25 * np.ptp(values["slant_effect"][:, 2]), (bold[:, 2], values["slant_effect"][:, 2])


@claim("fca70312", "at the larger strengths\nin the last column")
def test_the_slant_vector_costs_the_class_at_large_strengths(values):
    strengths, own_class = np.array(values["strengths"]), values["slant_effect"][:, 1]
    assert np.all(own_class[np.abs(strengths) == 1] < own_class[strengths == 0][0] - 0.05), own_class


def _class_mix_difference(first, second):
    """Total variation distance between two groups' class proportions (0: the same mix, 1: no class shared)."""
    return 0.5 * np.abs(first / first.sum() - second / second.sum()).sum()


@claim("1359c8de", "both groups hold digits of\nevery class")
def test_the_bold_and_thin_groups_hold_every_class(values):
    assert np.all(values["bold_classes"] > 0) and np.all(values["thin_classes"] > 0)


@claim("451f531c", "the two groups differ far more\nin their classes than the bold and the thin ones did")
def test_the_slant_groups_differ_more_in_class_than_the_ink_groups(values):
    ink = _class_mix_difference(values["bold_classes"], values["thin_classes"])
    slant = _class_mix_difference(values["right_classes"], values["left_classes"])
    assert slant > 2 * ink, (slant, ink)
