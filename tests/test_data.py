import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from gan_lib import data


def test_ring_centers_are_on_the_circle_at_equal_angles():
    centers = data.ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2) and centers.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0, rtol=1e-6)
    angles = np.mod(np.arctan2(centers[:, 1], centers[:, 0]), 2 * np.pi)
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    # endpoint=False: no two centres coincide, so there really are 8 modes.
    assert len(np.unique(centers.round(5), axis=0)) == 8


def test_grid_centers_default_is_the_pacgan_grid():
    centers = data.grid_centers()
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert centers.shape == (25, 2) and centers.dtype == np.float32
    assert {tuple(c) for c in centers.astype(int).tolist()} == expected
    np.testing.assert_array_equal(centers, centers.round())


@pytest.mark.parametrize(
    ("sampler", "centers", "std"),
    [(data.ring, data.ring_centers(), 0.01), (data.grid, data.grid_centers(), 0.05)],
)
def test_mixture_samples_have_the_right_per_mode_statistics(sampler, centers, std):
    points = sampler(100_000, seed=0)
    assert points.shape == (100_000, 2) and points.dtype == np.float32
    nearest = np.argmin(((points[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    counts = np.bincount(nearest, minlength=len(centers))
    expected = len(points) / len(centers)
    # Equal weights: each count is Binomial(n, 1/k); 5 standard deviations is a loose, safe bound.
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    for k, center in enumerate(centers):
        mode = points[nearest == k]
        np.testing.assert_allclose(mode.mean(axis=0), center, atol=5 * std / np.sqrt(len(mode)) + 1e-6)
        np.testing.assert_allclose(mode.std(axis=0), std, rtol=0.05)


def test_mixture_is_reproducible_with_a_seed():
    np.testing.assert_array_equal(data.ring(100, seed=3), data.ring(100, seed=3))
    assert not np.array_equal(data.ring(100, seed=3), data.ring(100, seed=4))


def test_ring_options_change_the_mixture():
    points = data.ring(5000, modes=3, radius=5.0, std=0.0, seed=0)
    assert len(np.unique(points.round(4), axis=0)) == 3
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 5.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: data.ring(0), "n"),
        (lambda: data.ring(-5), "n"),
        (lambda: data.ring(10, std=-0.1), "std"),
        (lambda: data.grid(10, std=-1.0), "std"),
        (lambda: data.grid(2.5), "n"),
        (lambda: data.ring(10, modes=0), "modes"),
        (lambda: data.ring_centers(radius=0), "radius"),
        (lambda: data.grid_centers(side=0), "side"),
        (lambda: data.digits("validation"), "split"),
        (lambda: data.as_dataset(np.zeros((4, 2)), 8), "batch_size"),
        (lambda: data.as_dataset(np.zeros((0, 2)), 1), "array"),
        (lambda: data.as_dataset(np.zeros((4, 2)), 2, start=-1), "start"),
        (lambda: data.as_dataset(np.zeros((4, 2)), 2, start=1.0), "start"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_digits_splits_are_fixed_disjoint_and_scaled():
    images, labels = data.digits("all")
    train_images, train_labels = data.digits("train")
    test_images, test_labels = data.digits("test")
    assert images.shape == (1797, 8, 8, 1) and images.dtype == np.float32
    assert len(train_labels) + len(test_labels) == 1797
    assert images.min() == -1.0 and images.max() == 1.0
    assert set(np.unique(labels)) == set(range(10)) == set(np.unique(test_labels))
    # Disjoint: no test image is also a train image at the same index set.
    flat_train = {row.tobytes() for row in train_images.reshape(len(train_images), -1)}
    overlap = sum(row.tobytes() in flat_train for row in test_images.reshape(len(test_images), -1))
    assert overlap <= 2  # sklearn's digits contain a couple of exact duplicates
    np.testing.assert_array_equal(data.digits("train")[1], train_labels)


def test_as_dataset_gives_full_shuffled_batches_forever():
    array = np.arange(10, dtype=np.float32).reshape(10, 1)
    batches = [b.numpy() for b in data.as_dataset(array, 4, seed=0).take(10)]
    assert all(b.shape == (4, 1) and b.dtype == np.float32 for b in batches)
    # 10 batches of 4 = 40 rows from 10: the data repeats and every row appears.
    assert set(np.concatenate(batches).ravel()) == set(range(10))
    # Reshuffled: the first two passes do not come out in the same order.
    first, second = data.as_dataset(array, 10, seed=0).take(2)
    assert not np.array_equal(first.numpy(), second.numpy())
    assert isinstance(data.as_dataset(array, 2), tf.data.Dataset)


# --- MNIST and Fashion-MNIST: offline behaviour and the cache, without ever touching the network.


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty Keras cache folder, so nothing is found on disk."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    monkeypatch.setattr(data, "keras_cache_dirs", lambda: [str(folder)])
    return folder


def no_network(monkeypatch, *, hang=False):
    import socket
    import time

    def connect(*args, **kwargs):
        if hang:  # a broken network: the connection attempt neither fails nor succeeds
            time.sleep(30)
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", connect)


@pytest.mark.parametrize("loader", [data.mnist, data.fashion_mnist])
@pytest.mark.parametrize("hang", [False, True])
def test_mnist_offline_fails_fast_and_names_digits(loader, hang, empty_cache, monkeypatch):
    import time

    no_network(monkeypatch, hang=hang)
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"gan_lib\.data\.digits\(\)"):
        loader("train")
    assert time.perf_counter() - start < 5.0
    if not hang:  # with a hanging network each probe waits its full timeout; once is enough
        assert not data.available("mnist") and not data.available("fashion_mnist")


def _write_idx(path, array, header_bytes):
    import gzip

    with gzip.open(path, "wb") as file:
        file.write(b"\0" * header_bytes + array.astype(np.uint8).tobytes())


def test_mnist_and_fashion_mnist_read_the_keras_cache_offline(empty_cache, monkeypatch):
    no_network(monkeypatch)  # any attempt to connect would fail the load
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    x_train[0, 0, 0], x_train[0, 0, 1] = 0, 255
    y_train, x_test, y_test = np.arange(6) % 10, x_train[:2], np.array([7, 3])
    np.savez(empty_cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    (empty_cache / "fashion-mnist").mkdir()
    for stem, images, labels in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        _write_idx(empty_cache / "fashion-mnist" / f"{stem}-labels-idx1-ubyte.gz", labels, 8)
        _write_idx(empty_cache / "fashion-mnist" / f"{stem}-images-idx3-ubyte.gz", images, 16)
    for loader in (data.mnist, data.fashion_mnist):
        images, labels = loader("train")
        assert images.shape == (6, 28, 28, 1) and images.dtype == np.float32 and labels.dtype == np.int64
        assert images[0, 0, 0, 0] == -1.0 and images[0, 0, 1, 0] == 1.0  # 0 -> -1, 255 -> 1
        np.testing.assert_allclose(images[..., 0], x_train / 127.5 - 1.0, atol=1e-6)
        np.testing.assert_array_equal(labels, y_train)
        test_images, test_labels = loader("test")
        assert test_images.shape == (2, 28, 28, 1) and test_labels.tolist() == [7, 3]
        assert len(loader("all")[1]) == 8
    assert data.available("mnist") and data.available("fashion_mnist")
    with pytest.raises(ValueError, match="split"):
        data.mnist("validation")
    with pytest.raises(ValueError, match="name"):
        data.available("cifar10")


def test_as_dataset_order_depends_on_its_seed_alone():
    array = np.arange(40, dtype=np.float32).reshape(20, 2)
    tf.random.set_seed(1)
    first = [b.numpy() for b in data.as_dataset(array, 4, seed=7).take(12)]
    tf.random.set_seed(2)  # another global seed changes nothing
    second = [b.numpy() for b in data.as_dataset(array, 4, seed=7).take(12)]
    np.testing.assert_array_equal(np.stack(first), np.stack(second))
    skipped = [b.numpy() for b in data.as_dataset(array, 4, seed=7).skip(7).take(5)]
    np.testing.assert_array_equal(np.stack(skipped), np.stack(first[7:]))
    other = [b.numpy() for b in data.as_dataset(array, 4, seed=8).take(12)]
    assert not np.array_equal(np.stack(first), np.stack(other))


@pytest.mark.parametrize("batch_size", [4, 3, 20, 7])
def test_as_dataset_start_equals_skipping_that_many_batches(batch_size):
    # 20 rows: with batches of 3 or 7 a pass ends inside a batch, so starts fall mid-pass,
    # on pass boundaries (batch 5 of 4 rows) and in later passes.
    array = np.arange(40, dtype=np.float32).reshape(20, 2)
    stream = np.stack([b.numpy() for b in data.as_dataset(array, batch_size, seed=3).take(40)])
    for start in [0, 1, 2, 5, 6, 7, 13, 20, 33]:
        resumed = np.stack([b.numpy() for b in data.as_dataset(array, batch_size, seed=3, start=start).take(7)])
        np.testing.assert_array_equal(resumed, stream[start:start + 7])


def test_a_start_inside_a_pass_logs_nothing():
    # A sliced first pass made TensorFlow log "Tensor RefCount not reliable ..." errors, which
    # would show in every notebook that resumes a stream; they come from C++, so look at stderr.
    code = ("import numpy as np; from gan_lib import data; "
            "[b for b in data.as_dataset(np.ones((50_000, 2)), 256, seed=0, start=200).take(200)]")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "RefCount" not in done.stderr and "SubBuffer" not in done.stderr, done.stderr


def test_training_in_several_fit_calls_needs_the_stream_continued():
    # What a second fit() sees: Keras starts a fresh iterator per call, so the same dataset
    # replays its first batches, while start= continues where the first call stopped.
    array = np.arange(40, dtype=np.float32).reshape(20, 2)
    dataset = data.as_dataset(array, 4, seed=0)
    first_call = [b.numpy() for b, _ in zip(dataset, range(3))]
    assert np.array_equal([b.numpy() for b, _ in zip(dataset, range(3))], first_call)
    continued = [b.numpy() for b in data.as_dataset(array, 4, seed=0, start=3).take(3)]
    assert not np.array_equal(continued, first_call)
    np.testing.assert_array_equal(continued, [b.numpy() for b in dataset.skip(3).take(3)])


def test_as_dataset_batches_run_on_across_passes():
    # 10 rows in batches of 4: batch 3 holds the last 2 rows of pass 0 and the first 2 of pass 1.
    # The stream is exactly the passes' permutations, one after the other, with no row dropped.
    array = np.arange(10, dtype=np.float32).reshape(10, 1)
    batches = [b.numpy().ravel() for b in data.as_dataset(array, 4, seed=5).take(5)]
    passes = [tf.random.experimental.stateless_shuffle(tf.range(10), seed=[5, epoch]).numpy() for epoch in range(2)]
    np.testing.assert_array_equal(np.concatenate(batches), np.concatenate(passes).astype(np.float32))
    assert all(sorted(p) == list(range(10)) for p in passes) and not np.array_equal(*passes)


def test_as_dataset_is_not_autotuned():
    # An autotuned iterator waits for the tuning thread's next wake-up when destroyed, which made
    # every fit() call overrun by up to the thread's (doubling) sleep period.
    dataset = data.as_dataset(np.zeros((8, 2), np.float32), 4, seed=0)
    assert dataset.options().autotune.enabled is False
