"""Claims of 00_start_here: the data as the notebook describes it."""

import numpy as np

from tests.claims import Break, claim

VALUES = {
    "42be953d": {
        "image_shape": "mnist.x_train.shape[1:]",
        "image_dtype": "str(mnist.x_train.dtype)",
        "pixel_range": "(float(mnist.x_train.min()), float(mnist.x_train.max()))",
        "test_labels": "mnist.y_test",
        "ink_per_class": "[float(mnist.x_train[mnist.y_train == d].mean()) for d in range(10)]",
    },
    "36a819b3": {"background": "float(np.mean(pixels == 0))", "near_full_ink": "float(np.mean(inked > 0.9))"},
}

# A mistake a student could make, which a claim below must catch (python -m tools.breaks).
BREAK = Break("36a819b3", "inked = pixels[pixels > 0]",
              "inked = pixels",
              "the background pixels counted among the inked ones")


@claim("a64cc87d", "The\npixels are `float32` between 0 (background) and 1 (ink)")
def test_images_are_float32_pixels_between_0_and_1(values):
    assert values["image_shape"] == (28, 28, 1)
    assert values["image_dtype"] == "float32"
    assert values["pixel_range"] == (0.0, 1.0)


@claim("a04f2213", "every class equally\nrepresented")
def test_every_class_is_in_the_test_set(values):
    counts = np.bincount(values["test_labels"], minlength=10)
    assert (counts > 0).all(), counts
    if values.mnist == "subset":
        assert len(set(counts)) == 1, f"the subset's classes are not equally represented: {counts}"


@claim("5c39da7c", "Most pixels are pure background. Of the pixels with ink, only about half are close to full\nink")
def test_most_pixels_are_background_and_about_half_the_ink_is_full(values):
    assert values["background"] > 0.5
    assert 0.35 < values["near_full_ink"] < 0.65, values["near_full_ink"]


@claim("ex00-2-text", "The zero, a long closed stroke, uses the most ink; the one, a single bar, the least")
def test_the_zero_uses_the_most_ink_and_the_one_the_least(values):
    ink = values["ink_per_class"]
    assert int(np.argmax(ink)) == 0 and int(np.argmin(ink)) == 1, ink
