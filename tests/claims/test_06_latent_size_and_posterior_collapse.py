"""Claims of 06_latent_size_and_posterior_collapse: latent size, active units, collapse, KL warm-up."""

import numpy as np

from tests.claims import claim

VALUES = {
    "0e20e70f": {"sizes": "{d: (r['elbo'].elbo, r['iwae'], int(r['active'][0])) for d, r in results.items()}"},
    "99fef59c": {"kl_dims": "kl_dims", "inactive": "inactive", "change": "change", "names": "names"},
    "85a88027": {"warm": "(warm['elbo'].elbo, int(warm['active'][0]))",
                 "big": "(big['elbo'].elbo, int(big['active'][0]))",
                 "beta": "float(warm_kl.beta.numpy())"},
}


@claim("774b7afe", "From 2 to 5 to 10 dimensions both bounds rise steeply")
def test_the_bounds_rise_with_the_latent_size(values):
    sizes = values["sizes"]
    elbos = [sizes[d][0] for d in (2, 5, 10)]
    assert elbos[0] < elbos[1] < elbos[2]
    assert elbos[2] - elbos[0] > 20
    assert all(iwae > elbo for elbo, iwae, _ in sizes.values())


@claim("774b7afe", "the largest\nmodel leaves some of its dimensions unused")
def test_the_largest_model_leaves_dimensions_unused(values):
    sizes = values["sizes"]
    assert all(sizes[d][2] == d for d in (2, 5))
    assert sizes[20][2] < 20


@claim("7271cca1", "The inactive dimensions carry essentially zero KL")
def test_inactive_dimensions_carry_almost_no_kl(values):
    assert values["inactive"], "no inactive dimension"
    assert np.all(values["kl_dims"][values["inactive"]] < 0.05)


@claim("07173c77", "moving an inactive one changes nothing you can see")
def test_the_decoder_ignores_an_inactive_dimension(values):
    names = values["names"]
    assert len(names) == 2, "no inactive dimension"
    assert values["change"][names[1]] < 0.1 * values["change"][names[0]]


@claim("f3c40708", "With warm-up, more dimensions stay in use")
def test_warm_up_keeps_more_dimensions_active_at_no_cost(values):
    (warm_elbo, warm_active), (big_elbo, big_active) = values["warm"], values["big"]
    assert warm_active > big_active
    assert warm_elbo > big_elbo - 1


@claim("ae7fc8e3", "After the warm-up the objective is the ordinary ELBO again")
def test_the_kl_weight_ends_at_one(values):
    assert values["beta"] == 1.0
