"""The 2-D playground's controls: its widgets, how they are wired to the game, and how they show
the settings in force.  ``gan_lib.playground_2d.Playground`` (the game logic) builds them on first
use with ``build_controls``; the layout helpers are ``gan_lib.widget_base``'s, shared with the 1-D
game.  This module knows the game only through the methods it calls (``configure`` by way of the
game's ``_on_setting``, ``step_discriminator``, ``train``, ``reset``, ...): it imports nothing from
``playground_2d``, and ipywidgets only when the controls are built.
"""

from __future__ import annotations

from typing import Any

from gan_lib import losses
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
)
from gan_lib.widget_base import (
    _CONTROL,
    SPEEDS,
    Controls,
    _column_and_picture,
    _dropdown,
    _fitted,
    _set_slider,
    _slider_and_value,
    _status_and_image,
    _tip,
)


def build_controls(game: Any) -> Controls:
    """``game``'s widgets (a ``Playground``), wired to its methods: the settings ``dataset``,
    ``arrangement``, ``modes``, ``radius``, ``std`` (the custom dataset's, in the box ``custom``, shown
    only for it), ``loss``, ``regularizer``, ``weight``, ``d_lr``, ``g_lr`` (each of these three a box
    with the exact value, beside a slider ``weight_slider``, ``d_lr_slider``, ``g_lr_slider``),
    ``d_steps``; ``rounds`` (N) and ``speed`` (rounds per frame of a continuous run); the buttons
    ``step_d``, ``step_g``, ``step_both``, ``train``, ``play`` (a toggle: play/pause) and ``reset``;
    and ``progress``, ``status``, ``image``.  ``settings`` lists the settings, N and the speed;
    ``buttons`` the buttons."""
    # Imported here: TensorFlow, Keras and pyplot do not load ipywidgets, and only the controls need it,
    # so a chapter without a playground does not pay for it.
    import ipywidgets as widgets

    c = Controls()
    s = game.settings
    c.dataset, dataset_row = _dropdown(
        widgets, "dataset", "The real data, a Gaussian mixture ('custom': your own); a new one starts a new game.",
        options=[*PLAYGROUND_DATASETS, CUSTOM], value=s["dataset"])
    c.arrangement, arrangement_row = _dropdown(
        widgets, "arrangement", "Custom data: the modes on a ring, on a line, or on a square grid.",
        options=list(ARRANGEMENTS), value=s["arrangement"])
    c.modes = _tip(_fitted(widgets.IntSlider(value=s["modes"], min=1, max=MAX_MODES, description="modes")),
                   "Custom data: the number of modes (a grid needs 1, 4, 9, 16, 25 or 36).")
    # Sliders over lists of values: a front end moves a float slider's value onto its grid of steps
    # (0.05 to 10**-1.3 on a log slider), which would change the setting unasked.
    c.radius = _tip(_fitted(widgets.SelectionSlider(options=sorted({*RADII, s["radius"]}), value=s["radius"],
                                                    description="radius")),
                    "Custom data: the ring's radius, or how far the outermost modes are from 0.")
    c.std = _tip(_fitted(widgets.SelectionSlider(options=sorted({*STDS, s["std"]}), value=s["std"],
                                                 description="std of a mode")),
                 "Custom data: each mode's standard deviation; at most a sixth of the gap between modes.")
    c.custom = widgets.VBox([arrangement_row, c.modes, c.radius, c.std])
    c.loss, loss_row = _dropdown(
        widgets, "loss", "The adversarial loss of both players; a new one applies to the running game.",
        options=list(losses.NAMES), value=s["loss"])
    c.regularizer, regularizer_row = _dropdown(
        widgets, "regulariser", "A stabilising trick (l2 acts on both players); spectral_norm starts a new game.",
        options=list(REGULARIZERS), value=s["regularizer"])
    # The learning rates and the weight: a slider over stops, and a box with the exact value (typed or set).
    c.weight, c.weight_slider, weight_row = _slider_and_value(
        widgets, "weight", "The regulariser's strength; off for a regulariser that takes none.", WEIGHTS,
        s["weight"] or 0.1)
    c.d_lr, c.d_lr_slider, d_lr_row = _slider_and_value(
        widgets, "D learning rate", "The discriminator's Adam learning rate.", LEARNING_RATES, s["d_lr"])
    c.g_lr, c.g_lr_slider, g_lr_row = _slider_and_value(
        widgets, "G learning rate", "The generator's Adam learning rate.", LEARNING_RATES, s["g_lr"])
    c.d_steps = _tip(_fitted(widgets.IntSlider(value=s["d_steps"], min=1, max=10,
                                               description="D steps per G step")),
                     "Discriminator updates before each generator update (step both, train, play).")
    # N: a 6-digit field (up to 100000) beside a one-letter description
    c.rounds = _tip(widgets.BoundedIntText(value=500, min=1, max=100_000, description="N",
                                           layout={"width": "104px"}, style={"description_width": "20px"}),
                    "N, the rounds that 'train N steps' runs.")
    speeds = sorted({*SPEEDS, game.rounds_per_frame})
    c.speed = _tip(_fitted(widgets.SelectionSlider(options=speeds, value=game.rounds_per_frame,
                                                   description="rounds per frame")),
                   "The speed of play: rounds trained between two redraws (more is faster, in bigger jumps).")
    c.step_d = widgets.Button(description="step D", tooltip="one discriminator update")
    c.step_g = widgets.Button(description="step G", tooltip="one generator update")
    c.step_both = widgets.Button(description="step both", tooltip="D steps per G step, then one G step")
    c.train = widgets.Button(description="train N steps", button_style="primary",
                             tooltip="N rounds of 'step both'; the plots follow as it trains")
    c.play = widgets.ToggleButton(value=False, description="play", button_style="success",
                                  tooltip="train continuously, redrawing after every frame; settings apply "
                                          "as you change them; press again to pause")
    c.reset = widgets.Button(description="reset", button_style="warning",
                             tooltip="new networks from the seed; counters and curves restart")
    for button in (c.step_d, c.step_g, c.step_both):
        button.layout.width = "90px"
    c.train.layout.width = "172px"
    c.play.layout.width = c.reset.layout.width = "136px"
    c.progress = widgets.IntProgress(value=0, min=0, max=c.rounds.value, description=f"steps 0/{c.rounds.value}",
                                     layout={"width": _CONTROL}, style={"description_width": "initial"})
    _tip(c.progress, "How far 'train N steps' has got.")
    _status_and_image(widgets, c)
    c.buttons = [c.step_d, c.step_g, c.step_both, c.train, c.play, c.reset]
    c.settings = [c.dataset, c.arrangement, c.modes, c.radius, c.std, c.loss, c.regularizer, c.weight,
                  c.weight_slider, c.d_lr, c.d_lr_slider, c.g_lr, c.g_lr_slider, c.d_steps, c.rounds, c.speed]

    for name in ("dataset", *CUSTOM_SETTINGS, "loss", "regularizer", "weight", "d_lr", "g_lr", "d_steps"):
        getattr(c, name).observe(lambda change, name=name: game._on_setting(name, change["new"]), names="value")
    for name in ("weight", "d_lr", "g_lr"):
        getattr(c, f"{name}_slider").observe(lambda change, name=name: game._on_setting(name, change["new"]),
                                             names="value")
    c.rounds.observe(game._on_rounds, names="value")
    c.speed.observe(lambda change: setattr(game, "rounds_per_frame", change["new"]), names="value")
    c.step_d.on_click(lambda _: game._reporting("one D step", game.step_discriminator))
    c.step_g.on_click(lambda _: game._reporting("one G step", game.step_generator))
    c.step_both.on_click(lambda _: game._reporting("one round of D and G steps", game.step_both))
    c.train.on_click(lambda _: game._reporting(f"training {c.rounds.value} steps", game.train, c.rounds.value))
    c.play.observe(game._on_play, names="value")
    c.reset.on_click(lambda _: game._reporting("reset", game.reset))
    row = widgets.Layout(flex_flow="row wrap")
    column = [dataset_row, c.custom, loss_row, regularizer_row, weight_row, d_lr_row, g_lr_row, c.d_steps,
              widgets.Box([c.step_d, c.step_g, c.step_both], layout=row),
              widgets.Box([c.rounds, c.train], layout=row), c.speed, widgets.Box([c.play, c.reset], layout=row),
              c.progress, c.status]
    c.box = _column_and_picture(widgets, column, c.image)
    return c


def sync_controls(c: Controls, s: dict[str, Any]) -> None:
    """Make the controls ``c`` show the settings ``s`` (after a reset or a refused change); the caller
    marks the change as the code's, not the reader's."""
    for name in ("dataset", "arrangement", "loss", "regularizer"):
        getattr(c, name).value = s[name]
    for name in ("modes", "radius", "std", "d_lr_slider", "g_lr_slider", "d_steps"):
        _set_slider(getattr(c, name), s[name.removesuffix("_slider")])
    c.d_lr.value, c.g_lr.value = s["d_lr"], s["g_lr"]
    c.custom.layout.display = None if s["dataset"] == CUSTOM else "none"  # shown for the custom data only
    c.weight.disabled = c.weight_slider.disabled = s["weight"] is None
    if s["weight"] is not None:
        c.weight.value = s["weight"]
        _set_slider(c.weight_slider, s["weight"])


def show_progress(c: Controls, done: int, total: int) -> None:
    """The progress bar: ``done`` of ``total`` steps of a ``train``."""
    progress = c.progress
    progress.value = 0
    progress.max = total
    progress.value = done
    progress.description = f"steps {done}/{total}"
