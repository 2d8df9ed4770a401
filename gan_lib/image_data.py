"""The image data sets: sklearn's bundled 8x8 digits, MNIST and Fashion-MNIST, and the file
reading behind them (Keras' cache, Debian's Fashion-MNIST package, IDX files, a reachability probe).

Every loader returns (images, labels): float32 images in [-1, 1] with a channel axis, the range
of a tanh generator, and int64 labels 0..9.  ``digits`` works offline.  ``fashion_mnist`` reads
Debian's package ``dataset-fashion-mnist`` when it is installed; ``mnist`` and ``fashion_mnist``
otherwise download once through ``keras.datasets`` and then read Keras' cache.  Offline and
without the files they fail within seconds and point to ``digits``.

``gan_lib.data`` re-exports the public names, so chapters call ``gl.data.digits()``.  Like
``data``, this module imports nothing from gan_lib above ``_checks``.
"""

from __future__ import annotations

import functools
import gzip
import os
import socket
import threading
import zlib

import keras
import numpy as np

from gan_lib._checks import choice, positive_float

DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0  # fixed, so "train" and "test" never change between runs


def digits(split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """sklearn's bundled 8x8 handwritten digits (1,797 images), needing no network.

    Args:
        split: "train" (80%), "test" (20%) or "all". The split is a fixed permutation.

    Returns:
        (images, labels): float32 images in [-1, 1] of shape (n, 8, 8, 1), int64 labels 0..9.
    """
    choice(split, "split", ("train", "test", "all"))
    # Imported here: TensorFlow and Keras already load sklearn, but not sklearn.datasets, which only this needs.
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # Pixels are integers 0..16; map them linearly onto [-1, 1], the range of a tanh output.
    images = (bunch.images.astype(np.float32) / 8.0 - 1.0)[..., np.newaxis]
    labels = bunch.target.astype(np.int64)
    if split == "all":
        return images, labels
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(DIGITS_TEST_FRACTION * len(labels)))
    chosen = order[n_test:] if split == "train" else order[:n_test]
    chosen = np.sort(chosen)
    return images[chosen], labels[chosen]


# Where keras.datasets downloads MNIST and Fashion-MNIST from, and the files it keeps.
DOWNLOAD_HOST = "storage.googleapis.com"
PROBE_TIMEOUT = 3.0  # seconds; the whole reachability check, DNS included, never takes longer
_MNIST_FILES = ("mnist.npz",)
# Fashion-MNIST's four IDX files, (images, labels) per split. Debian's package and Keras' cache
# ("fashion-mnist/" under each of keras_cache_dirs()) hold them under the same names.
_FASHION_SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_FASHION_SUBDIR = "fashion-mnist"

# Debian's package dataset-fashion-mnist installs the four files here (`dpkg -L dataset-fashion-mnist`,
# version 0.0~git20200523.55506a9-1). FASHION_MNIST_DIR_VARIABLE names another folder to read first.
FASHION_MNIST_PACKAGE = "dataset-fashion-mnist"
DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_DIR_VARIABLE = "GAN_LIB_FASHION_MNIST_DIR"


def keras_cache_dirs() -> list[str]:
    """The folders where ``keras.utils.get_file`` keeps downloaded data sets, in the order it tries them:
    ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), then ``/tmp/.keras/datasets``,
    its fallback when the first is not writable."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [os.path.join(home, "datasets"), os.path.join("/tmp", ".keras", "datasets")]


def fashion_mnist_dir() -> str:
    """The folder searched first for Fashion-MNIST's IDX files: ``$GAN_LIB_FASHION_MNIST_DIR`` when
    set, else where Debian's package ``dataset-fashion-mnist`` installs them."""
    return os.environ.get(FASHION_MNIST_DIR_VARIABLE) or DEBIAN_FASHION_MNIST_DIR


def _cached(files: tuple[str, ...]) -> list[str] | None:
    """Full paths of ``files`` in the first cache folder that holds all of them, or None."""
    for folder in keras_cache_dirs():
        paths = [os.path.join(folder, name) for name in files]
        if all(os.path.isfile(path) for path in paths):
            return paths
    return None


def _fashion_folder() -> str | None:
    """The first folder holding all four Fashion-MNIST files: ``fashion_mnist_dir()``, then Keras'
    cache; None when neither does."""
    folders = [fashion_mnist_dir()] + [os.path.join(folder, _FASHION_SUBDIR) for folder in keras_cache_dirs()]
    names = [name for pair in _FASHION_SPLIT_FILES.values() for name in pair]
    for folder in folders:
        if all(os.path.isfile(os.path.join(folder, name)) for name in names):
            return folder
    return None


def reachable(host: str = DOWNLOAD_HOST, port: int = 443, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    The check runs in a daemon thread joined with a timeout, because a socket timeout
    does not bound the DNS lookup, which can hang for much longer on a broken network.
    """
    timeout = positive_float(timeout, "timeout")
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a host name, got {host!r}")
    if isinstance(port, bool) or not isinstance(port, (int, np.integer)) or not 0 < port < 65536:
        raise ValueError(f"port must be an integer in 1..65535, got {port!r}")
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def available(name: str) -> bool:
    """Whether ``mnist(...)`` or ``fashion_mnist(...)`` (``name`` "mnist" or "fashion_mnist") can
    load now: its files are on disk (Keras' cache; for Fashion-MNIST also Debian's package), or
    the download host answers."""
    choice(name, "name", ("mnist", "fashion_mnist"))
    on_disk = _cached(_MNIST_FILES) is not None if name == "mnist" else _fashion_folder() is not None
    return on_disk or reachable()


def _offline_error(name: str) -> ConnectionError:
    if name == "mnist":
        where = " or ".join(os.path.join(folder, _MNIST_FILES[0]) for folder in keras_cache_dirs())
        return ConnectionError(
            f"mnist is not in Keras' cache ({where}) and {DOWNLOAD_HOST} cannot be reached within "
            f"{PROBE_TIMEOUT:g} s, so it cannot be downloaded. Offline, use gl.data.digits() "
            "(sklearn's bundled 8x8 digits) instead, or copy the Keras cache from a machine that has it."
        )
    where = " or ".join(os.path.join(folder, _FASHION_SUBDIR) for folder in keras_cache_dirs())
    return ConnectionError(
        f"Fashion-MNIST's IDX files are in none of the places searched, and {DOWNLOAD_HOST} cannot be "
        f"downloaded from (unreachable within {PROBE_TIMEOUT:g} s, or the download failed). Any one "
        f"of these fixes it: install Debian's package (`apt-get install {FASHION_MNIST_PACKAGE}`, "
        f"files in {fashion_mnist_dir()}; ${FASHION_MNIST_DIR_VARIABLE} names another folder); put "
        f"the four files in Keras' cache ({where}); or, offline, use gl.data.digits() (sklearn's "
        "bundled 8x8 digits) instead."
    )


# --- IDX files (the format of MNIST and Fashion-MNIST: http://yann.lecun.com/exdb/mnist/) ------


def _read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array in a gzip-compressed IDX file of unsigned bytes, read-only.

    The format: two zero bytes, a type code (0x08, unsigned byte, the only type these data sets
    use), the number of dimensions d, then d sizes as big-endian uint32, then the values in C
    order. Raises ValueError naming the file when it is not gzip, not IDX, or holds more or fewer
    values than its header says (a truncated download, say).
    """
    path = os.fspath(path)
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(f"corrupt IDX file {path}: not a complete gzip file ({error})") from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"corrupt IDX file {path}: no IDX magic number (first bytes {raw[:4].hex()})")
    type_code, ndim = raw[2], raw[3]
    if type_code != 0x08:
        raise ValueError(f"corrupt IDX file {path}: type code 0x{type_code:02x}, expected 0x08 (unsigned bytes)")
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"corrupt IDX file {path}: a header of {ndim} dimensions in {len(raw)} bytes")
    shape = tuple(int(size) for size in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != expected:
        raise ValueError(
            f"corrupt IDX file {path}: its header says shape {shape} ({expected} bytes of data), "
            f"the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


@functools.lru_cache(maxsize=4)
def _read_fashion_split(images_path: str, labels_path: str, stamp: tuple) -> tuple[np.ndarray, np.ndarray]:
    """One split's uint8 images (n, 28, 28) and labels (n,), read-only, kept in memory (55 MB for
    both splits): decompressing the training split took 0.4-0.5 s, and up to 2 s the first time
    after boot, against 0.1-0.25 s for the scaling that every call does. ``stamp`` (the files'
    sizes and mtimes) is part of the key, so a changed file is read again."""
    images, labels = _read_idx(images_path), _read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"corrupt Fashion-MNIST file {images_path}: images of shape {images.shape}, not (n, 28, 28)")
    if labels.shape != images.shape[:1]:
        raise ValueError(
            f"corrupt Fashion-MNIST files: {labels_path} holds {labels.size} labels, {images_path} "
            f"{images.shape[0]} images"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"corrupt Fashion-MNIST file {labels_path}: a label {labels.max()}, not in 0..9")
    return images, labels


def _fashion_split(folder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    paths = [os.path.join(folder, name) for name in _FASHION_SPLIT_FILES[split]]
    stamp = tuple((status.st_size, status.st_mtime_ns) for status in map(os.stat, paths))
    return _read_fashion_split(*paths, stamp)


def _load_fashion(split: str) -> tuple[np.ndarray, np.ndarray]:
    folder = _fashion_folder()
    if folder is None:
        if not reachable():
            raise _offline_error("fashion_mnist")
        try:
            keras.datasets.fashion_mnist.load_data()  # downloads the four files into Keras' cache
        except Exception as error:  # urllib's and Keras' own errors alike: the download failed
            raise _offline_error("fashion_mnist") from error
        folder = _fashion_folder()
        if folder is None:
            raise _offline_error("fashion_mnist")
    if split == "all":
        parts = [_fashion_split(folder, part) for part in ("train", "test")]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return _fashion_split(folder, split)


def _load_mnist_like(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    choice(split, "split", ("train", "test", "all"))
    if name == "fashion_mnist":
        images, labels = _load_fashion(split)
    else:
        paths = _cached(_MNIST_FILES)
        if paths is None:
            if not reachable():
                raise _offline_error(name)
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        else:
            # The same file keras.datasets.mnist.load_data() reads, read directly so no network is touched.
            with np.load(paths[0], allow_pickle=False) as arrays:
                x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
        if split == "train":
            images, labels = x_train, y_train
        elif split == "test":
            images, labels = x_test, y_test
        else:
            images, labels = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    # Pixels 0..255 map linearly onto [-1, 1], the range of a tanh generator (the same float32
    # values as images.astype(np.float32) / 127.5 - 1, with one temporary fewer). Fresh arrays
    # on every call: a caller may change them without touching the cached bytes.
    scaled = np.divide(images, np.float32(127.5), dtype=np.float32)
    scaled -= np.float32(1.0)
    return scaled[..., np.newaxis], labels.astype(np.int64)


def mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST handwritten digits (60,000 train, 10,000 test) through ``keras.datasets``.

    Args:
        split: "train", "test" or "all" (train then test).

    Returns:
        (images, labels): float32 images in [-1, 1] of shape (n, 28, 28, 1), int64 labels 0..9.

    Raises:
        ConnectionError: within a few seconds, when the data is neither in Keras' cache nor
            downloadable; the message names ``gl.data.digits()``, which works offline.
    """
    return _load_mnist_like("mnist", split)


def fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, 60,000 train and 10,000 test,
    6,000 and 1,000 of each class.

    The files are read from the first place that has all four:

    1. ``$GAN_LIB_FASHION_MNIST_DIR`` if set, else ``/usr/share/datasets/fashion-mnist``, where
       Debian's package installs them (``apt-get install dataset-fashion-mnist``; no network
       at run time);
    2. Keras' cache, ``~/.keras/datasets/fashion-mnist/`` (see ``keras_cache_dirs``), the files
       ``keras.datasets.fashion_mnist.load_data()`` keeps, read without touching the network;
    3. a download through ``keras.datasets.fashion_mnist.load_data()`` into that cache.

    Each split's parsed bytes stay in memory, so a second call costs only the scaling to float32
    (0.1-0.25 s for the training split, against 0.4-0.5 s to read it again).

    Args:
        split: "train", "test" or "all" (train then test).

    Returns:
        (images, labels): float32 images in [-1, 1] of shape (n, 28, 28, 1) (pixel 0 is -1,
        255 is 1), int64 labels 0..9 of shape (n,). Both are fresh arrays on every call.

    Raises:
        ValueError: for an unknown ``split``, or a corrupt file (named in the message).
        ConnectionError: within 5 s, when no folder holds the files and the download host
            cannot be reached or the download fails; the message names the Debian package,
            Keras' cache folder and ``gl.data.digits()``, which works offline.
    """
    return _load_mnist_like("fashion_mnist", split)
