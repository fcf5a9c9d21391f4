"""Claims of 11_latent_explorer: the pretrained models' explorers, in the browser, read and set from Python."""

import numpy as np

from tests.claims import Break, claim

VALUES = {
    "3574f85a": {"shapes": "shapes"},
    "65fe1404": {"vae_z": "vae_explorer.z"},
    "2ff40284": {"ae_extent": "ae_extent", "vae_extent": "float(np.percentile(np.abs(vae_codes), 99))"},
    "9ac2db4f": {"styles": "styles"},
    "b262b1c3": {"cvae_z": "cvae_explorer.z", "distinct_digits": "len({image.tobytes() for image in one_style})"},
    "93c758df": {"decode_in": "sorted({e.decodes_in for e in (vae_explorer, ae_explorer, cvae_explorer, "
                              "interpolation)})"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("9ac2db4f", "np.full(len(z), digit)",
              "np.full(len(z), 0)",
              "the label ignored: every row decoded as a zero")


@claim("38d5f7a0", "All three have the same hidden layers (784 → 512 → 256 → 2 and back")
def test_the_decoder_is_the_dense_stack_the_text_names(values):
    assert values["shapes"] == [[2, 256], [256, 512], [512, 784]]


@claim("567da185", "From then on the page decodes every frame itself")
def test_every_explorer_decodes_in_the_browser(values):
    assert values["decode_in"] == ["browser"]


@claim("01c931cb", "Setting it redraws\nthe digit, exactly as dragging does")
def test_z_set_from_python_is_read_back(values):
    assert values["vae_z"] == [1.0, -0.5]
    assert values["cvae_z"] == [-1.5, 0.5]


@claim("1953de50", "The same $z$ under each of the ten labels")
def test_one_z_gives_ten_different_digits(values):
    assert values["distinct_digits"] == 10


@claim("c0006c82", "they spread over\nwhatever region training found, at whatever scale")
def test_the_autoencoders_codes_spread_wider_than_the_vaes(values):
    assert values["ae_extent"] > values["vae_extent"]


@claim("5b67db46", "A large correlation of the same sign for all ten digits within one block of a row")
def test_slant_and_width_each_follow_one_axis_for_every_digit(values):
    for name in ("slant", "width"):
        r = values["styles"].loc[name].unstack(level=0)
        assert ((r.abs() > 0.5) & (np.sign(r) == np.sign(r.mean()))).all().any(), r
