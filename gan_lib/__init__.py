"""gan_lib: the small, tested library behind the GAN stability book.

Chapters import it as ``import gan_lib as gl`` and reach each module by name
(``gl.data.ring``, ``gl.losses.get``, ``gl.metrics.mode_coverage``).  The
training model is re-exported as ``gl.GAN`` because every chapter uses it.
"""

from gan_lib import (
    data,
    dirac,
    exercises,
    losses,
    metrics,
    models,
    plotting,
    recipes,
    regularizers,
    results,
    runtime,
    theory,
    training,
    widgets,
)
from gan_lib.training import GAN


def __getattr__(name: str) -> object:
    # experiments is imported on first use (``gl.experiments``), not here: run as
    # ``python -m gan_lib.experiments`` it would otherwise be imported twice, with a warning.
    if name == "experiments":
        import importlib

        return importlib.import_module("gan_lib.experiments")
    raise AttributeError(f"module 'gan_lib' has no attribute {name!r}")


__all__ = [
    "GAN",
    "data",
    "dirac",
    "exercises",
    "experiments",
    "losses",
    "metrics",
    "models",
    "plotting",
    "recipes",
    "regularizers",
    "results",
    "runtime",
    "theory",
    "training",
    "widgets",
]
__version__ = "0.1.0"
