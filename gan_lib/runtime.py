"""What the chapter runs on: library versions, device, precision, and the scale to run at.

``describe()`` is the one line every chapter prints.  ``enable_mixed_precision()`` turns
on float16 compute where it pays (a GPU) and refuses elsewhere.  ``choose_scale()`` picks how
big a chapter's image experiment is (a ``Scale``): small on a CPU, bigger (MNIST when it can be
had) on a GPU.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from gan_lib import data
from gan_lib._checks import choice, flag, positive_int


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (empty on a CPU-only machine)."""
    names = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(device)
        except (RuntimeError, ValueError):  # some drivers give no details; the TF name still identifies it
            details = {}
        names.append(details.get("device_name", device.name))
    return names


def mixed_precision_on() -> bool:
    """Whether Keras' global dtype policy computes in reduced precision (mixed_float16 or mixed_bfloat16)."""
    return keras.mixed_precision.global_policy().name.startswith("mixed")


def describe() -> str:
    """One line: TensorFlow and Keras versions, the device (with the GPU's name), and the precision policy."""
    gpus = gpu_names()
    device = f"GPU ({', '.join(gpus)})" if gpus else f"CPU ({platform.machine()})"
    policy = keras.mixed_precision.global_policy().name
    mixed = f"on ({policy})" if mixed_precision_on() else "off"
    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}, device: {device}, mixed precision: {mixed}"


def enable_mixed_precision() -> bool:
    """Turn on mixed precision (Keras policy mixed_float16) when a GPU is present; returns whether it is on.

    Layers built *after* the call compute in float16 and keep float32 weights; the
    builders in ``gan_lib.models`` end in a float32 layer and ``gan_lib.losses`` computes
    in float32, so logits and losses keep full precision.  On a CPU it changes nothing
    and says why: CPUs without float16 units run it slower, not faster.
    """
    if not gpu_names():
        print("Mixed precision stays off: no GPU found (float16 on a CPU is slower, not faster).")
        return False
    keras.mixed_precision.set_global_policy("mixed_float16")
    print("Mixed precision on (mixed_float16): models built from now on compute in float16, weights stay float32.")
    return True


def disable_mixed_precision() -> None:
    """Back to full float32 for models built from now on."""
    keras.mixed_precision.set_global_policy("float32")


@dataclass(frozen=True)
class Scale:
    """The scale of an image experiment: which data, how many steps, how big the networks are.

    ``choose_scale()`` picks one for this machine; ``name`` ("cpu" or "gpu") says which kind of
    machine it is sized for.
    """

    name: str  # "cpu" or "gpu"
    dataset: str  # "digits" or "mnist"
    image_shape: tuple[int, int, int]
    steps: int
    batch_size: int
    base_filters: int
    latent_dim: int
    reason: str

    def __post_init__(self) -> None:
        choice(self.name, "name", ("cpu", "gpu"))
        choice(self.dataset, "dataset", ("digits", "mnist"))
        shape = self.image_shape
        if not isinstance(shape, tuple) or len(shape) != 3:
            raise ValueError(f"image_shape must be a tuple (height, width, channels), got {shape!r}")
        for i, size in enumerate(shape):
            positive_int(size, f"image_shape[{i}]")
        for field in ("steps", "batch_size", "base_filters", "latent_dim"):
            positive_int(getattr(self, field), field)
        if not isinstance(self.reason, str):
            raise ValueError(f"reason must be a string, got {self.reason!r}")

    def load(self, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """The scale's images in [-1, 1] and labels (``gan_lib.data.digits`` or ``gan_lib.data.mnist``)."""
        return data.digits(split) if self.dataset == "digits" else data.mnist(split)

    def __str__(self) -> str:
        return (
            f"scale {self.name!r}: {self.dataset} {self.image_shape}, {self.steps} steps of batch "
            f"{self.batch_size}, base_filters {self.base_filters}, latent_dim {self.latent_dim} ({self.reason})"
        )


# A CPU run must fit a chapter's 2-minute budget on 2 cores (about 40 steps/s there);
# a GPU run may take a minute or two more and use the bigger data set.
_SCALES = {
    ("cpu", "digits"): {"steps": 3000, "batch_size": 64, "base_filters": 32, "latent_dim": 32},
    ("gpu", "digits"): {"steps": 5000, "batch_size": 128, "base_filters": 64, "latent_dim": 64},
    ("cpu", "mnist"): {"steps": 2000, "batch_size": 64, "base_filters": 32, "latent_dim": 64},
    ("gpu", "mnist"): {"steps": 10000, "batch_size": 128, "base_filters": 64, "latent_dim": 100},
}


def scale(name: str, dataset: str, *, reason: str = "chosen by name") -> Scale:
    """The scale ``name`` ("cpu" or "gpu") of an image experiment on ``dataset`` ("digits" or
    "mnist"), whatever this machine has: e.g. to rerun a stored comparison at the scale it ran at."""
    choice(name, "name", ("cpu", "gpu"))
    choice(dataset, "dataset", ("digits", "mnist"))
    image_shape = (8, 8, 1) if dataset == "digits" else (28, 28, 1)
    return Scale(name=name, dataset=dataset, image_shape=image_shape, reason=reason, **_SCALES[(name, dataset)])


def choose_scale(dataset: str | None = None, *, verbose: bool = True) -> Scale:
    """Pick the scale of an image experiment for this machine, and say which (when ``verbose``).

    Without a GPU: "cpu" on sklearn's 8x8 digits.  With a GPU: "gpu", on MNIST when it is in
    Keras' cache or downloadable, else on digits with more steps and wider networks.

    Args:
        dataset: "digits" or "mnist" to choose the data yourself; None picks as above.
            "mnist" on a CPU gives the "cpu" scale on MNIST (slow: several minutes).
    """
    if dataset is not None:
        choice(dataset, "dataset", ("digits", "mnist"))
    verbose = flag(verbose, "verbose")
    gpus = gpu_names()
    name = "gpu" if gpus else "cpu"
    if dataset is not None:
        reason = f"{'GPU' if gpus else 'no GPU'}; dataset chosen by the caller"
    elif not gpus:
        dataset, reason = "digits", "no GPU found"
    elif data.available("mnist"):
        dataset, reason = "mnist", f"GPU found ({gpus[0]}) and MNIST available"
    else:
        dataset, reason = "digits", f"GPU found ({gpus[0]}) but MNIST is neither cached nor downloadable"
    chosen = scale(name, dataset, reason=reason)
    if verbose:
        print(chosen)
    return chosen


def provenance(
    command: str, *, repo: str | os.PathLike | None = None, ignore: Sequence[str | os.PathLike] = ()
) -> dict[str, str]:
    """Where a stored result came from: command, git commit, UTC date, machine, versions.

    The commit is that of the git checkout ``repo`` (default: the working directory), marked
    "+uncommitted" when a tracked file differs from it.  Changes to the files ``ignore`` do not
    count: a resumed sweep's own output file differs from the commit by the rows it has added.
    """
    if not isinstance(command, str):
        raise ValueError(f"command must be a string, got {command!r}")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, timeout=10, cwd=repo
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":(top)"]
            + [f":(exclude){pathlib.Path(path).resolve()}" for path in ignore],
            capture_output=True,
            text=True,
            cwd=repo,
        )
        if dirty.stdout.strip():
            commit += "+uncommitted"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    return {
        "command": command,
        "commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "software": describe(),
    }
