import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from module_imports import gan_lib_imports

from gan_lib import data, image_data


def test_data_sits_on_the_argument_checks_and_reexports_the_image_data_sets():
    # The lowest floor: nothing of gan_lib above _checks (image_data is data's own other half).
    assert gan_lib_imports(image_data) == {"gan_lib._checks"}
    assert gan_lib_imports(data) == {"gan_lib._checks", "gan_lib.image_data"}
    # Chapters, scripts and the judges call the image loaders as data.<name>.
    for name in ("digits", "mnist", "fashion_mnist", "available", "reachable", "keras_cache_dirs",
                 "FASHION_MNIST_DIR_VARIABLE", "DEBIAN_FASHION_MNIST_DIR"):
        assert getattr(data, name) is getattr(image_data, name)


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


# sha256 of the float32 bytes of ring(1000, seed=s) and grid(1000, seed=s) as the library drew
# them before RING and GRID existed (the sweep's stored rows were trained on these draws).
DRAWN_BEFORE = {
    ("ring", 0): "7e949844e372b821",
    ("ring", 3): "b439dbe1975301aa",
    ("grid", 0): "1160c84d28427db9",
    ("grid", 3): "79c039098feb13f9",
}


@pytest.mark.parametrize(("name", "seed"), list(DRAWN_BEFORE))
def test_ring_and_grid_mixtures_draw_exactly_what_ring_and_grid_drew(name, seed):
    mixture, sampler = {"ring": (data.RING, data.ring), "grid": (data.GRID, data.grid)}[name]
    points = mixture.sample(1000, seed=seed)
    assert points.dtype == np.float32 and points.shape == (1000, 2)
    assert hashlib.sha256(points.tobytes()).hexdigest()[:16] == DRAWN_BEFORE[name, seed]
    # the same arrays as the functions, and as the mixture written out with PacGAN's numbers
    spelled_out = {
        "ring": data.mixture(1000, data.ring_centers(8, 1.0), 0.01, seed=seed),
        "grid": data.mixture(1000, data.grid_centers(5, 2.0), 0.05, seed=seed),
    }[name]
    for other in (sampler(1000, seed=seed), spelled_out):
        np.testing.assert_array_equal(points, other)
        assert other.dtype == points.dtype


@pytest.mark.parametrize("n", [1, 7, 50_000])
@pytest.mark.parametrize("seed", [0, 1, 12_345])
def test_mixture_sample_equals_ring_and_grid_bit_for_bit(n, seed):
    np.testing.assert_array_equal(data.RING.sample(n, seed=seed), data.ring(n, seed=seed))
    np.testing.assert_array_equal(data.GRID.sample(n, seed=seed), data.grid(n, seed=seed))


def test_ring_and_grid_are_pacgans_benchmarks():
    assert (data.RING.name, data.RING.modes, data.RING.std) == ("ring", 8, 0.01)
    assert (data.GRID.name, data.GRID.modes, data.GRID.std) == ("grid", 25, 0.05)
    np.testing.assert_array_equal(data.RING.centers, data.ring_centers())
    np.testing.assert_array_equal(data.GRID.centers, data.grid_centers())
    assert data.RING.centers.dtype == data.GRID.centers.dtype == np.float32


def test_a_mixture_is_a_value_whose_centres_cannot_change():
    centers = np.array([[0.0, 1.0], [2.0, 3.0]])
    mixture = data.Mixture("pair", centers, 0.5)
    centers[0, 0] = 9.0  # the mixture keeps its own copy
    np.testing.assert_array_equal(mixture.centers, [[0.0, 1.0], [2.0, 3.0]])
    assert mixture.centers.dtype == np.float32 and mixture.modes == 2
    with pytest.raises(ValueError, match="read-only"):
        mixture.centers[0, 0] = 9.0
    with pytest.raises(AttributeError):
        mixture.std = 1.0
    assert mixture == data.Mixture("pair", [[0.0, 1.0], [2.0, 3.0]], 0.5)
    assert hash(mixture) == hash(data.Mixture("pair", [[0.0, 1.0], [2.0, 3.0]], 0.5))
    assert mixture != data.Mixture("pair", [[0.0, 1.0], [2.0, 3.0]], 0.25)
    assert mixture != data.Mixture("pair", [[0.0, 1.0], [2.0, 4.0]], 0.5)
    assert mixture != data.Mixture("other", [[0.0, 1.0], [2.0, 3.0]], 0.5)
    np.testing.assert_array_equal(mixture.sample(10, seed=2), data.mixture(10, [[0, 1], [2, 3]], 0.5, seed=2))


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        (("", [[0.0, 0.0]], 0.1), "name"),
        ((None, [[0.0, 0.0]], 0.1), "name"),
        (("m", [0.0, 0.0], 0.1), "centers"),
        (("m", [[0.0, np.nan]], 0.1), "centers"),
        (("m", np.zeros((0, 2)), 0.1), "centers"),
        (("m", [[0.0, 0.0]], -0.1), "std"),
        (("m", [[0.0, 0.0]], "0.1"), "std"),
    ],
)
def test_mixture_names_a_bad_argument(arguments, argument):
    with pytest.raises(ValueError, match=argument):
        data.Mixture(*arguments)


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_mixture_sample_names_a_bad_n(n):
    with pytest.raises(ValueError, match="n must"):
        data.RING.sample(n)


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
    """An empty Keras cache folder, and an empty folder in place of Debian's, so nothing is found on disk.
    The loaders live in image_data and look its names up there, so that is where they are patched."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    monkeypatch.setattr(image_data, "keras_cache_dirs", lambda: [str(folder)])
    (tmp_path / "no-debian-files").mkdir()
    monkeypatch.setenv(data.FASHION_MNIST_DIR_VARIABLE, str(tmp_path / "no-debian-files"))
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
@pytest.mark.slow
def test_mnist_offline_fails_fast_and_names_digits(loader, hang, empty_cache, monkeypatch):
    import time

    no_network(monkeypatch, hang=hang)
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"gl\.data\.digits\(\)"):
        loader("train")
    assert time.perf_counter() - start < 5.0
    if not hang:  # with a hanging network each probe waits its full timeout; once is enough
        assert not data.available("mnist") and not data.available("fashion_mnist")


def _write_idx(path, array):
    """An IDX file of unsigned bytes: magic 0x0000080d (d dimensions), d big-endian sizes, the bytes."""
    import gzip

    array = np.asarray(array).astype(np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())


def test_mnist_and_fashion_mnist_read_the_keras_cache_offline(empty_cache, monkeypatch):
    no_network(monkeypatch)  # any attempt to connect would fail the load
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    x_train[0, 0, 0], x_train[0, 0, 1] = 0, 255
    y_train, x_test, y_test = np.arange(6) % 10, x_train[:2], np.array([7, 3])
    np.savez(empty_cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    (empty_cache / "fashion-mnist").mkdir()
    for stem, images, labels in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        _write_idx(empty_cache / "fashion-mnist" / f"{stem}-labels-idx1-ubyte.gz", labels)
        _write_idx(empty_cache / "fashion-mnist" / f"{stem}-images-idx3-ubyte.gz", images)
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
@pytest.mark.slow
def test_as_dataset_start_equals_skipping_that_many_batches(batch_size):
    # 20 rows: with batches of 3 or 7 a pass ends inside a batch, so starts fall mid-pass,
    # on pass boundaries (batch 5 of 4 rows) and in later passes.
    array = np.arange(40, dtype=np.float32).reshape(20, 2)
    stream = np.stack([b.numpy() for b in data.as_dataset(array, batch_size, seed=3).take(40)])
    for start in [0, 1, 2, 5, 6, 7, 13, 20, 33]:
        resumed = np.stack([b.numpy() for b in data.as_dataset(array, batch_size, seed=3, start=start).take(7)])
        np.testing.assert_array_equal(resumed, stream[start:start + 7])


@pytest.mark.slow
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


# --- Fashion-MNIST: the real files (Debian's package), the three places it reads, corrupt files.

FASHION_NAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _apt_can_run() -> bool:
    """Whether apt-get could install a package here (as root, or through passwordless sudo)."""
    import shutil

    if shutil.which("apt-get") is None:
        return False
    if os.geteuid() == 0:
        return True
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture
def real_fashion(monkeypatch):
    """The folder holding the real Fashion-MNIST files (Debian's package, else Keras' cache).
    Missing files fail the test where apt-get could install them, and skip it only where it cannot."""
    monkeypatch.delenv(data.FASHION_MNIST_DIR_VARIABLE, raising=False)
    folder = image_data._fashion_folder()
    if folder is None:
        message = (
            f"Fashion-MNIST is not installed: no files in {data.DEBIAN_FASHION_MNIST_DIR} or Keras' cache; "
            "`sh scripts/install_fashion_mnist.sh` installs Debian's dataset-fashion-mnist (`make unit` runs it)"
        )
        if _apt_can_run():
            pytest.fail(message)
        pytest.skip(f"{message}, but apt-get cannot run here")
    return folder


def test_fashion_mnist_is_read_from_debians_package_when_installed(real_fashion):
    if not os.path.isfile(os.path.join(data.DEBIAN_FASHION_MNIST_DIR, FASHION_NAMES["train"][0])):
        pytest.skip(f"Debian's dataset-fashion-mnist is not installed ({real_fashion} is Keras' cache)")
    # The folder `dpkg -L dataset-fashion-mnist` lists, searched before Keras' cache.
    assert real_fashion == data.DEBIAN_FASHION_MNIST_DIR == "/usr/share/datasets/fashion-mnist"


@pytest.mark.parametrize(("split", "size"), [("train", 60_000), ("test", 10_000)])
def test_fashion_mnist_splits_sizes_classes_and_range(real_fashion, split, size):
    images, labels = data.fashion_mnist(split)
    assert images.shape == (size, 28, 28, 1) and images.dtype == np.float32
    assert labels.shape == (size,) and labels.dtype == np.int64
    # Balanced: 6,000 training and 1,000 test images of each of the 10 classes.
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), np.full(10, size // 10))
    # Exactly [-1, 1], both ends reached: 0 maps to -1 and 255 to 1, with nothing outside.
    assert images.min() == -1.0 and images.max() == 1.0
    # Every value is one of the 256 levels k / 127.5 - 1.
    levels = (images[:2000].astype(np.float64) + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)


def test_fashion_mnist_all_is_train_then_test(real_fashion):
    images, labels = data.fashion_mnist("all")
    assert images.shape == (70_000, 28, 28, 1) and labels.shape == (70_000,)
    np.testing.assert_array_equal(labels[:60_000], data.fashion_mnist("train")[1])
    np.testing.assert_array_equal(images[60_000:], data.fashion_mnist("test")[0])


def test_fashion_mnist_calls_return_fresh_arrays(real_fashion):
    first_images, first_labels = data.fashion_mnist("test")
    first_images[:] = 0.0  # changing what one call returned ...
    first_labels[:] = 0
    second_images, second_labels = data.fashion_mnist("test")
    assert second_images.min() == -1.0 and second_images.max() == 1.0  # ... leaves the next call intact
    assert np.bincount(second_labels).tolist() == [1000] * 10


@pytest.mark.slow
def test_fashion_mnist_debian_and_keras_paths_give_identical_arrays(real_fashion, tmp_path, monkeypatch):
    """Three read paths over the same bytes: gan_lib on Debian's folder, gan_lib on a Keras cache
    (Debian's folder hidden), and Keras' own ``fashion_mnist.load_data()`` on that cache."""
    import shutil

    keras_home = tmp_path / "keras-home"
    cache = keras_home / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for pair in FASHION_NAMES.values():
        for name in pair:
            shutil.copyfile(os.path.join(real_fashion, name), cache / name)
    # Keras' own reader, in a fresh interpreter that sees only this cache. A download attempt
    # would go through an unreachable proxy and fail, so a pass means the cache was read.
    saved = tmp_path / "keras.npz"
    code = ("import sys, numpy as np, keras; (a, b), (c, d) = keras.datasets.fashion_mnist.load_data(); "
            "np.savez(sys.argv[1], x_train=a, y_train=b, x_test=c, y_test=d)")
    env = {**os.environ, "KERAS_HOME": str(keras_home), "https_proxy": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code, str(saved)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    keras_arrays = np.load(saved)

    no_network(monkeypatch)
    monkeypatch.setattr(image_data, "keras_cache_dirs", lambda: [str(keras_home / "datasets")])
    for split, stem in (("train", "train"), ("test", "test")):
        first_images, first_labels = data.fashion_mnist(split)  # from real_fashion (Debian's folder)
        monkeypatch.setenv(data.FASHION_MNIST_DIR_VARIABLE, str(tmp_path / "hidden"))
        assert image_data._fashion_folder() == str(cache)
        cache_images, cache_labels = data.fashion_mnist(split)  # from the Keras cache
        monkeypatch.delenv(data.FASHION_MNIST_DIR_VARIABLE)
        assert image_data._fashion_folder() == real_fashion
        np.testing.assert_array_equal(cache_images, first_images)
        np.testing.assert_array_equal(cache_labels, first_labels)
        x, y = keras_arrays[f"x_{stem}"], keras_arrays[f"y_{stem}"]
        np.testing.assert_array_equal(first_images[..., 0], x.astype(np.float32) / 127.5 - 1.0)
        np.testing.assert_array_equal(first_labels, y)
        del first_images, cache_images


def _fashion_files(folder, sizes=(("train", 20), ("test", 10))):
    """Small, valid Fashion-MNIST-style files in ``folder``; returns the arrays written."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, n in sizes:
        images = rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = np.arange(n) % 10
        _write_idx(folder / FASHION_NAMES[split][0], images)
        _write_idx(folder / FASHION_NAMES[split][1], labels)
        written[split] = (images, labels)
    return written


def test_fashion_mnist_reads_the_folder_the_environment_variable_names(empty_cache, tmp_path, monkeypatch):
    no_network(monkeypatch)
    written = _fashion_files(tmp_path / "elsewhere")
    monkeypatch.setenv(data.FASHION_MNIST_DIR_VARIABLE, str(tmp_path / "elsewhere"))
    images, labels = data.fashion_mnist("test")
    np.testing.assert_array_equal(images[..., 0], written["test"][0] / np.float32(127.5) - np.float32(1.0))
    np.testing.assert_array_equal(labels, written["test"][1])
    assert data.available("fashion_mnist")


@pytest.mark.parametrize("hang", [False, True])
@pytest.mark.slow
def test_fashion_mnist_offline_fails_within_5_s_naming_every_way_out(hang, empty_cache, monkeypatch):
    import time

    import keras

    def download():
        raise AssertionError("offline, Keras' download must not even be tried")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", download)
    no_network(monkeypatch, hang=hang)
    start = time.perf_counter()
    with pytest.raises(ConnectionError) as error:
        data.fashion_mnist("train")
    assert time.perf_counter() - start < 5.0
    message = str(error.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert str(empty_cache / "fashion-mnist") in message  # Keras' cache folder, as searched
    assert "gl.data.digits()" in message
    assert data.FASHION_MNIST_DIR_VARIABLE in message


def test_fashion_mnist_failed_download_gives_the_same_error(empty_cache, monkeypatch):
    import keras

    def download():
        raise OSError("HTTP Error 503: Service Unavailable")

    monkeypatch.setattr(image_data, "reachable", lambda *args, **kwargs: True)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", download)
    with pytest.raises(ConnectionError, match=r"apt-get install dataset-fashion-mnist") as error:
        data.fashion_mnist("test")
    assert "503" in str(error.value.__cause__)


def test_fashion_mnist_downloads_through_keras_then_reads_its_cache(empty_cache, monkeypatch):
    import keras

    calls = []

    def download():  # what load_data leaves behind: the four files in Keras' cache
        calls.append(1)
        _fashion_files(empty_cache / "fashion-mnist", sizes=(("train", 30), ("test", 10)))

    monkeypatch.setattr(image_data, "reachable", lambda *args, **kwargs: True)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", download)
    images, labels = data.fashion_mnist("train")
    assert images.shape == (30, 28, 28, 1) and labels.tolist() == [i % 10 for i in range(30)]
    data.fashion_mnist("test")
    assert calls == [1]  # the second call finds the files in the cache


def _gzip(raw: bytes) -> bytes:
    import gzip

    return gzip.compress(raw)


def _idx(array, type_code=0x08) -> bytes:
    array = np.asarray(array).astype(np.uint8)
    return bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes() + array.tobytes()


GOOD_IMAGES = np.zeros((20, 28, 28), np.uint8)


@pytest.mark.parametrize(
    ("file", "content", "reason"),
    [
        ("images", _idx(GOOD_IMAGES), None),  # the control: a valid file loads
        ("images", _idx(GOOD_IMAGES), "not a complete gzip file"),  # written uncompressed
        ("images", _gzip(_idx(GOOD_IMAGES))[:-30], "not a complete gzip file"),  # a cut-off download
        ("images", _gzip(b"\x1f\x8b" + _idx(GOOD_IMAGES)[2:]), "no IDX magic number"),
        ("images", _gzip(_idx(GOOD_IMAGES, type_code=0x0D)), "type code 0x0d"),
        ("images", _gzip(_idx(GOOD_IMAGES)[:-100]), "header says shape (20, 28, 28)"),
        ("images", _gzip(_idx(GOOD_IMAGES) + b"\0"), "the file holds 15681"),
        ("images", _gzip(bytes([0, 0, 8, 3, 0, 0])), "a header of 3 dimensions in 6 bytes"),
        ("images", _gzip(_idx(np.zeros((20, 28, 27)))), "not (n, 28, 28)"),
        ("labels", _gzip(_idx(np.arange(19) % 10)), "holds 19 labels"),
        ("labels", _gzip(_idx(np.full(20, 10))), "a label 10"),
    ],
)
def test_fashion_mnist_corrupt_files_give_a_clear_error(empty_cache, tmp_path, monkeypatch, file, content, reason):
    no_network(monkeypatch)
    folder = tmp_path / "corrupt"
    _fashion_files(folder)
    path = folder / FASHION_NAMES["train"][0 if file == "images" else 1]
    if reason is None:
        content = _gzip(content)
    path.write_bytes(content)
    monkeypatch.setenv(data.FASHION_MNIST_DIR_VARIABLE, str(folder))
    if reason is None:
        assert data.fashion_mnist("train")[0].shape == (20, 28, 28, 1)
        return
    with pytest.raises(ValueError, match="corrupt") as error:
        data.fashion_mnist("train")
    assert str(path) in str(error.value) and reason in str(error.value), str(error.value)


def test_fashion_mnist_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split"):
        data.fashion_mnist("validation")
