"""The judge of vaecourse.judge reads digits, and says "unreadable" for noise, blurs and two digits at once."""

import numpy as np
import pytest

from vaecourse import judge

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def shipped():
    return judge.load()


def test_the_judge_reads_real_test_digits_as_its_card_says(shipped, mnist):
    figures = judge.describe(shipped, mnist.x_test, mnist.y_test)
    assert figures["accuracy"] >= 0.95 and figures["readable"] >= 0.9, figures
    assert figures == shipped.card["test"], "the shipped judge no longer matches its card: make pretrained"


@pytest.mark.parametrize("kind", judge.JUNK_KINDS)
def test_images_that_are_no_digit_are_unreadable(shipped, mnist, kind):
    rubbish = judge.junk(mnist.x_test, mnist.y_test, kind, np.random.default_rng(7))
    assert np.mean(shipped.read(rubbish) == judge.UNREADABLE) >= 0.9


def test_a_mild_blur_is_read_and_a_heavy_one_is_not(shipped, mnist):
    mild, heavy = (judge._box_blur(mnist.x_test[:300], radius) for radius in (1, 4))
    assert np.mean(shipped.read(mild) == mnist.y_test[:300]) >= 0.9
    assert np.mean(shipped.read(heavy) == judge.UNREADABLE) >= 0.95


def test_soft_digits_like_a_decoder_s_pixel_means_are_read(shipped, mnist):
    soft = judge._softened(mnist.x_test[:300], np.random.default_rng(3))
    assert np.mean(shipped.read(soft) == mnist.y_test[:300]) >= 0.9


def test_the_judge_is_built_from_operations_the_browser_runs(shipped, mnist):
    from vaecourse.portable import export_model, forward

    spec, weights = export_model(shipped.model)
    assert [node["op"] for node in spec["nodes"]] == ["conv", "conv", "reshape", "dense", "dense"]
    logits = forward(spec, weights, mnist.x_test[:50])
    np.testing.assert_allclose(logits, shipped.model.predict(mnist.x_test[:50], verbose=0), atol=1e-4)


def test_a_threshold_outside_its_range_is_refused(shipped, mnist):
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0\.1, 1\], got 2"):
        shipped.read(mnist.x_test[:2], threshold=2)
