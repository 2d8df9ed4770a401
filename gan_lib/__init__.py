"""gan_lib: the small, tested library behind the GAN stability book.

Chapters import it as ``import gan_lib as gl`` and reach each module by name
(``gl.data.ring``, ``gl.losses.get``, ``gl.metrics.mode_coverage``).  The
training model is re-exported as ``gl.GAN`` because every chapter uses it.

The modules, from the bottom up (a module imports only from its own row and the rows above it):

- ``data`` (2-D mixtures such as ``data.RING``; it re-exports ``image_data``: the digits,
  Fashion-MNIST, MNIST), ``losses``, ``theory``, ``dirac``, ``metrics`` (numbers from samples;
  nothing of gan_lib above ``_checks``);
- ``regularizers``, ``models``; ``judge`` (the trained classifiers behind the image metrics);
- ``training`` (``GAN``: the one training step, and ``train_rounds``, the games' loop), with
  ``fitting`` (how ``fit`` runs the step), ``rounds``, ``training_parts`` (optimisers, shape checks,
  ``Snapshots``), ``divergence`` and ``checkpoints`` below it and ``_keras_internals`` (the Keras
  trainer internals it relies on);
- ``recipes`` (training setups as values, ``build_gan``), ``result_files`` (CSVs with
  provenance), ``results`` (summaries, tests, tables), ``bar`` (the bar for the recipe),
  ``published`` (the papers' numbers),
  ``chunked`` (``train``: the one loop that trains a recipe, in chunks measured between
  them), ``sweep`` (the sweep's runs and sweeps; the
  command line is ``python -m gan_lib``), ``image_runs``
  (chapter 6's runs on Fashion-MNIST; ``image_report``, what the chapter reports of them),
  ``runtime``, ``exercises``;
- ``plotting`` (it re-exports ``plotting_images`` and ``plotting_1d``); ``widgets`` (the two
  interactive apps: ``widget_base``, ``game_1d``, ``playground_2d``, ``playground_settings``,
  ``playground_controls``).

TensorFlow's start-up log: importing TensorFlow prints lines from C++ to the process's
stderr ("All log messages before absl::InitializeLog() is called ...", oneDNN, CUDA
drivers, "failed call to cuInit" on a machine without a GPU), which Jupyter shows under the
cell as error boxes, and which ``TF_CPP_MIN_LOG_LEVEL`` alone does not hide.  So when
gan_lib is imported before TensorFlow and ``TF_CPP_MIN_LOG_LEVEL`` is not set, gan_lib sets
it to ``"2"`` (TensorFlow's info and warnings off, its errors on) and discards stderr while
it imports TensorFlow and TensorFlow looks for its devices.  To see that log, set
``TF_CPP_MIN_LOG_LEVEL`` yourself (``"0"`` shows everything) before importing gan_lib, e.g.
``os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"``; gan_lib then changes nothing.  Where TensorFlow
is imported before gan_lib, the log has already been printed.  ``gl.runtime.describe()``
says which device was found either way.
"""

import os as _os
import sys as _sys

from gan_lib._version import __version__ as __version__  # re-exported: gl.__version__


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its C++ start-up log discarded (see the module's docstring)."""
    if "tensorflow" in _sys.modules or "TF_CPP_MIN_LOG_LEVEL" in _os.environ:
        return
    _os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        saved, null = _os.dup(2), _os.open(_os.devnull, _os.O_WRONLY)
    except OSError:  # no file descriptor 2 to redirect: import as usual
        return
    try:
        _sys.stderr.flush()
        _os.dup2(null, 2)
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA driver's messages come when devices are first listed
    finally:
        _sys.stderr.flush()
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(null)


_import_tensorflow_quietly()

from gan_lib import (  # noqa: E402 - after TensorFlow's quiet import
    bar,
    checkpoints,
    chunked,
    data,
    dirac,
    divergence,
    exercises,
    image_data,
    image_report,
    image_runs,
    judge,
    losses,
    metrics,
    models,
    plotting,
    plotting_1d,
    plotting_images,
    published,
    recipes,
    regularizers,
    result_files,
    results,
    runtime,
    sweep,
    theory,
    training,
    widgets,
)
from gan_lib.training import GAN  # noqa: E402

__all__ = [
    "GAN",
    "bar",
    "checkpoints",
    "chunked",
    "data",
    "dirac",
    "divergence",
    "exercises",
    "image_data",
    "image_report",
    "image_runs",
    "judge",
    "losses",
    "metrics",
    "models",
    "plotting",
    "plotting_1d",
    "plotting_images",
    "published",
    "recipes",
    "regularizers",
    "result_files",
    "results",
    "runtime",
    "sweep",
    "theory",
    "training",
    "widgets",
]
