"""A GAN's full state on disk: ``save_state``, ``load_state`` and the ``Checkpoint`` callback.

The state is everything that a resumed run needs to continue bit for bit: both players (with
the seed states of their dropout layers), the generator's moving average, both optimisers
(moments and step counts) and the noise seed.
``GAN.save_state`` and ``GAN.load_state`` call the functions here, and ``gan_lib.training``
re-exports ``Checkpoint``.  This module imports nothing from the training module: it works on
any compiled ``gan_lib.training.GAN`` it is given.
"""

from __future__ import annotations

import os
import zipfile
from typing import Any

import keras
import numpy as np

from gan_lib._checks import file_path, positive_int


def state_variables(gan: keras.Model) -> dict[str, Any]:
    """The variables a checkpoint holds, keyed by part and index ("generator/0", "d_optimizer/3", ...)."""
    if not hasattr(gan, "d_optimizer"):
        raise ValueError("compile the GAN before saving or loading its state")
    variables: dict[str, Any] = {}
    # ``variables``, not ``weights``: they also hold the seed state of each dropout layer, without
    # which a resumed run draws other dropout masks than the run it continues.
    parts = {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "ema_generator": [] if gan.ema_generator is None else gan.ema_generator.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "noise_seed": [gan.seed_generator.state],
    }
    for name, group in parts.items():
        for i, variable in enumerate(group):
            variables[f"{name}/{i}"] = variable
    return variables


def save_state(gan: keras.Model, path: str | os.PathLike) -> None:
    """Save everything that a resumed run needs to continue bit for bit: both players,
    the moving average, both optimisers (moments and step counts) and the noise seed.

    ``path`` ends in ``.npz``; the file is replaced atomically, so a run killed while
    saving leaves the previous checkpoint intact. The data stream is not saved: resume
    it with ``gan_lib.data.as_dataset(..., start=gan.steps_done())`` (one real batch per
    step; the same batches as ``dataset.skip(gan.steps_done())``, without computing them).
    """
    path = file_path(path, "path", suffix=".npz")
    arrays = {name: keras.ops.convert_to_numpy(v) for name, v in state_variables(gan).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, path)


def load_state(gan: keras.Model, path: str | os.PathLike) -> int:
    """Restore a state written by ``save_state`` into ``gan`` (compiled, same-shaped).

    Returns the number of training steps the saved run had done.
    """
    path = file_path(path, "path")
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a saved state (no such file)")
    variables = state_variables(gan)
    try:
        saved = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        saved = None
    if not isinstance(saved, np.lib.npyio.NpzFile):
        raise ValueError(f"path {str(path)!r} is not a saved state (not an .npz archive)")
    with saved:
        if set(saved.files) != set(variables):
            raise ValueError(f"path {str(path)!r} holds the state of a differently configured GAN")
        for name, variable in variables.items():
            if tuple(saved[name].shape) != tuple(variable.shape):
                shapes = f"{saved[name].shape} there, {tuple(variable.shape)} here"
                raise ValueError(f"path {str(path)!r}: {name} has another shape ({shapes})")
        for name, variable in variables.items():
            variable.assign(saved[name])
    return gan.steps_done()


class Checkpoint(keras.callbacks.Callback):
    """Saves the GAN's full state (``GAN.save_state``) every ``every`` steps and when training ends.

    To resume after an interruption: build and compile the same GAN, ``steps =
    gan.load_state(path)``, then ``fit(as_dataset(..., start=steps), ...)`` for the remaining steps.
    On a CPU the resumed run is bit-for-bit the run that was never interrupted.
    """

    def __init__(self, path: str | os.PathLike, *, every: int = 1000) -> None:
        super().__init__()
        self.path = file_path(path, "path", suffix=".npz")
        self.every = positive_int(every, "every")

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._saved_block = self.model.steps_done() // self.every

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Callbacks run once per graph call (steps_per_execution steps), so save whenever a
        # multiple of ``every`` was passed; it is hit exactly when ``every`` is a multiple of that.
        block = self.model.steps_done() // self.every
        if block > self._saved_block:
            self._saved_block = block
            self.model.save_state(self.path)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.model.save_state(self.path)
