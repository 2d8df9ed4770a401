"""Interactive front ends (ipywidgets) over training and plotting: the public names.

The chapters reach both games here, as ``gl.widgets.<name>``:

- ``OneDimensionalGame`` (chapter 1): a GAN on the real line stepped by hand, in
  ``gan_lib.game_1d``;
- ``playground()`` and ``Playground`` (chapter 5): an in-notebook counterpart of GAN Lab for
  2-D data, in ``gan_lib.playground_2d``, with its settings (``PLAYGROUND_DATASETS``,
  ``REGULARIZERS``, ``custom_centers``, ...) in ``gan_lib.playground_settings`` and its widgets in
  ``gan_lib.playground_controls``;
- ``tooltip(widget)``, ``PIXEL_RATIO``, ``SPEEDS`` and ``STATUS_CLASS``, from
  ``gan_lib.widget_base``, which holds what both games share: the layout beside the picture,
  the PNG refresh, the status line, and play/pause.

Both games train with ``GAN.train_rounds`` (k discriminator steps, then m generator steps, per
round).  The layers import downwards only: ``widget_base`` <- ``game_1d``; ``widget_base``,
``playground_settings`` <- ``playground_controls`` <- ``playground_2d``; both games <- this module.
"""

from gan_lib.game_1d import OneDimensionalGame
from gan_lib.playground_2d import Playground, playground
from gan_lib.playground_settings import (
    ARRANGEMENTS,
    CUSTOM,
    CUSTOM_SETTINGS,
    LEARNING_RATES,
    MAX_MODES,
    PLAYGROUND_DATASETS,
    RADII,
    REGULARIZERS,
    STDS,
    WEIGHTS,
    custom_centers,
)
from gan_lib.widget_base import PIXEL_RATIO, SPEEDS, STATUS_CLASS, InteractiveGame, tooltip

__all__ = [
    "ARRANGEMENTS",
    "CUSTOM",
    "CUSTOM_SETTINGS",
    "LEARNING_RATES",
    "MAX_MODES",
    "PIXEL_RATIO",
    "PLAYGROUND_DATASETS",
    "RADII",
    "REGULARIZERS",
    "SPEEDS",
    "STATUS_CLASS",
    "STDS",
    "WEIGHTS",
    "InteractiveGame",
    "OneDimensionalGame",
    "Playground",
    "custom_centers",
    "playground",
    "tooltip",
]
