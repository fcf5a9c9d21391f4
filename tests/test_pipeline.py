import gc
import weakref

import numpy as np
import pytest

from vaecourse import pipeline

pytestmark = pytest.mark.unit


def test_static_binarization(mnist):
    binary = pipeline.binarize(mnist.x_test[:10], threshold=0.5)
    assert set(np.unique(binary)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary, (mnist.x_test[:10] > 0.5).astype("float32"))


@pytest.mark.parametrize("kind", pipeline.NOISE_KINDS)
def test_noise_is_seeded_bounded_and_scales_with_level(mnist, kind):
    x = mnist.x_test[:50]
    noisy = pipeline.add_noise(x, kind, 0.3, seed=1)
    assert noisy.shape == x.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    np.testing.assert_array_equal(noisy, pipeline.add_noise(x, kind, 0.3, seed=1))
    assert not np.array_equal(noisy, pipeline.add_noise(x, kind, 0.3, seed=2))
    np.testing.assert_array_equal(pipeline.add_noise(x, kind, 0.0), x)
    weak = np.mean((pipeline.add_noise(x, kind, 0.1) - x) ** 2)
    strong = np.mean((pipeline.add_noise(x, kind, 0.5) - x) ** 2)
    assert 0 < weak < strong


def test_masking_and_salt_and_pepper_hit_the_asked_fraction():
    grey = np.full((20, 28, 28, 1), 0.5, np.float32)
    masked = pipeline.add_noise(grey, "masking", 0.25)
    assert abs(np.mean(masked == 0.0) - 0.25) < 0.01
    salted = pipeline.add_noise(grey, "salt_and_pepper", 0.4)
    assert abs(np.mean(salted != 0.5) - 0.4) < 0.01
    assert abs(np.mean(salted == 1.0) - 0.2) < 0.01


def test_dataset_batches_images_as_their_own_targets(mnist):
    ds = pipeline.make_dataset(mnist.x_train[:300], batch_size=128, shuffle=False)
    batches = list(ds)
    assert [len(x) for x, _ in batches] == [128, 128, 44]
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy(), mnist.x_train[:128])
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_dataset_with_labels_and_explicit_targets(mnist):
    noisy = pipeline.add_noise(mnist.x_train[:64], "gaussian", 0.5)
    ds = pipeline.make_dataset(noisy, labels=mnist.y_train[:64], targets=mnist.x_train[:64],
                           batch_size=64, shuffle=False)
    (x, one_hot), y = next(iter(ds))
    np.testing.assert_array_equal(x.numpy(), noisy)
    np.testing.assert_array_equal(y.numpy(), mnist.x_train[:64])
    np.testing.assert_array_equal(np.argmax(one_hot, axis=1), mnist.y_train[:64])


def test_shuffling_is_seeded_and_changes_every_epoch(mnist):
    x = mnist.x_train[:200]

    def first_batch(ds):
        return next(iter(ds))[0].numpy()

    ds = pipeline.make_dataset(x, batch_size=200, seed=3)
    epoch1, epoch2 = first_batch(ds), first_batch(ds)
    assert not np.array_equal(epoch1, epoch2)
    np.testing.assert_array_equal(epoch1, first_batch(pipeline.make_dataset(x, batch_size=200, seed=3)))


def test_dynamic_binarization_is_redrawn_every_epoch(mnist):
    x = mnist.x_train[:500]
    ds = pipeline.make_dataset(x, batch_size=500, shuffle=False, binarization="dynamic", seed=7)
    (inputs1, targets1), = list(ds)
    (inputs2, _), = list(ds)
    inputs1 = inputs1.numpy()
    assert set(np.unique(inputs1)) == {0.0, 1.0}
    np.testing.assert_array_equal(inputs1, targets1.numpy())  # the target is the same draw
    assert abs(inputs1.mean() - x.mean()) < 0.005  # Bernoulli(p) keeps the mean intensity
    assert not np.array_equal(inputs1, inputs2.numpy())
    (again, _), = list(pipeline.make_dataset(x, batch_size=500, shuffle=False, binarization="dynamic", seed=7))
    np.testing.assert_array_equal(inputs1, again.numpy())


def test_static_binarization_in_pipeline(mnist):
    (x, _), = list(pipeline.make_dataset(mnist.x_train[:50], batch_size=50, shuffle=False, binarization="static"))
    np.testing.assert_array_equal(x.numpy(), pipeline.binarize(mnist.x_train[:50]))


def test_a_pipeline_lets_go_of_its_arrays_when_it_is_dropped(mnist):
    # TensorFlow keeps every generator it was given; a pipeline that kept its arrays through it
    # would leak them, 80 MB per round of the denoising lesson.
    x = mnist.x_train[:256].copy()
    alive = weakref.ref(x)
    batches = pipeline.make_dataset(x, targets=x.copy(), batch_size=128).repeat()
    assert len(list(batches.take(3))) == 3
    del batches, x
    gc.collect()
    assert alive() is None
