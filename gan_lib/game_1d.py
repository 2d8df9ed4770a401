"""The 1-D game: a GAN on the real line that a reader steps by hand (chapter 1).

Buttons take discriminator steps, generator steps or both, play and pause a continuous run, and
reset the game; a picture of the real density, the generated density and D(x) follows every
click.  Every button calls a plain method (``step_discriminator``, ``step_generator``,
``step_both``, ``play``, ``reset``), so a chapter can run the same game without widgets, and
tests can press the buttons headless; ``d_updates`` and ``g_updates`` count each player's updates.
The steps run in ``GAN.train_rounds``, as the 2-D playground's do.  The layout, the status line
and play/pause are ``gan_lib.widget_base``'s, shared with the 2-D playground.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from gan_lib import models, plotting, recipes
from gan_lib._checks import finite_array, number_pair, positive_int, real_array
from gan_lib._checks import seed as check_seed
from gan_lib.training import GAN
from gan_lib.widget_base import (
    Controls,
    InteractiveGame,
    _column_and_picture,
    _fitted,
    _show_figure,
    _status_and_image,
    _tip,
)

__all__ = ["OneDimensionalGame", "line_gan"]


def line_gan(decay_steps: int | None = 4000) -> GAN:
    """A fresh 1-D GAN, the one chapters 1 and 2 play with.

    A generator from 1 noise number to 1 point and a discriminator from 1 point to a logit, each
    an MLP of 2 hidden layers of 64 units (``models.mlp_generator`` / ``mlp_discriminator``);
    the non-saturating loss; Adam with betas (0.5, 0.9), the discriminator at 2e-3 and the
    generator at 5e-4 (a faster D keeps its curve close to its best for the current G), both
    falling linearly to 0 over ``decay_steps`` updates of each player (``recipes.DecayAtEnd``),
    or constant with ``decay_steps`` None.  Call ``keras.utils.set_random_seed`` first for
    fixed weights.
    """
    if decay_steps is not None:
        decay_steps = positive_int(decay_steps, "decay_steps")

    def adam(rate: float) -> keras.optimizers.Optimizer:
        schedule = rate if decay_steps is None else recipes.DecayAtEnd(rate, 0, decay_steps)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.9)

    gan = GAN(models.mlp_generator(1, 1, width=64, depth=2), models.mlp_discriminator(1, width=64, depth=2),
              latent_dim=1)
    gan.compile(d_optimizer=adam(2e-3), g_optimizer=adam(5e-4), loss="non_saturating")
    return gan


class OneDimensionalGame(InteractiveGame):
    """A 1-D GAN stepped by hand, with optional ipywidgets controls.

    ``play()`` runs rounds of ``step_both`` continuously, ``steps_per_click`` rounds a frame,
    until ``pause()`` (the *play* button; see ``gan_lib.widget_base``).

    Args:
        build_gan: returns a new, compiled ``gan_lib.GAN`` whose generator outputs one
            number per sample; called once now and again on every ``reset``.
        real: real data, shape (n, 1); batches are drawn from it with replacement.
        data_density: optional function giving the real density at points of the line,
            drawn as a filled curve (otherwise a histogram of ``real`` is drawn).
        batch_size: points per batch, for both players.
        steps_per_click: how many steps one button press takes, and rounds per frame of ``play``
            (the slider's start value).
        x_range: the stretch of the line that is plotted and where D(x) is evaluated.
        seed: every ``reset`` reseeds Keras and the batch sampler with it, so a reset game
            starts from the same networks and replays the same batches.
    """

    def __init__(
        self,
        build_gan: Callable[[], GAN],
        real: np.ndarray,
        *,
        data_density: Callable[[np.ndarray], np.ndarray] | None = None,
        batch_size: int = 256,
        steps_per_click: int = 100,
        x_range: tuple[float, float] = (-4.0, 4.0),
        seed: int = 0,
    ) -> None:
        if not callable(build_gan):
            raise ValueError("build_gan must be a function that returns a compiled GAN")
        real = real_array(real, "real", np.float32)
        if real.ndim != 2 or real.shape[1] != 1 or real.shape[0] == 0:
            raise ValueError(f"real must have shape (n, 1), got {real.shape}")
        real = finite_array(real, "real", np.float32)
        if data_density is not None and not callable(data_density):
            raise ValueError(f"data_density must be None or a function of the points, got {data_density!r}")
        low, high = number_pair(x_range, "x_range")
        if not low < high:
            raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
        seed = check_seed(seed, upper=2**32)  # keras.utils.set_random_seed takes seeds below 2**32
        if seed is None:
            raise ValueError("seed must be an integer >= 0, got None")
        self.build_gan = build_gan
        self.real = real
        self.data_density = data_density
        self.batch_size = positive_int(batch_size, "batch_size")
        self.steps_per_click = positive_int(steps_per_click, "steps_per_click")
        self.x = np.linspace(low, high, 401, dtype=np.float32)
        self.seed = seed
        self.reset()

    # --- the game, without widgets ---

    def reset(self) -> None:
        """New networks and optimisers from ``build_gan``, update counters back to 0 (pauses a run)."""
        self.pause()
        keras.utils.set_random_seed(self.seed)
        self.gan = self.build_gan()
        if not isinstance(self.gan, GAN):
            raise ValueError(f"build_gan must return a gan_lib.GAN, got {type(self.gan).__name__}")
        self._rng = np.random.default_rng(self.seed)  # the real batches' rows
        self._real = tf.constant(self.real)
        self.d_updates = 0  # discriminator updates so far
        self.g_updates = 0  # generator updates so far
        self._refresh()

    def _train(self, rounds: int, d_per_round: int, g_per_round: int) -> None:
        """``rounds`` rounds of ``d_per_round`` D updates then ``g_per_round`` G updates, in one graph call
        (``GAN.train_rounds``); each D update's batch takes rows drawn from the game's numpy generator."""
        rows = [self._rng.integers(0, len(self.real), self.batch_size) for _ in range(rounds * d_per_round)]
        rows = np.array(rows, np.int64).reshape(rounds, d_per_round, self.batch_size)
        self.gan.train_rounds(self._real, rounds, d_per_round, g_per_round, batch_size=self.batch_size, rows=rows)
        self.d_updates += rounds * d_per_round
        self.g_updates += rounds * g_per_round
        self._refresh()

    def step_discriminator(self, steps: int = 1) -> None:
        """``steps`` discriminator updates against the current, fixed generator."""
        self._train(positive_int(steps, "steps"), 1, 0)

    def step_generator(self, steps: int = 1) -> None:
        """``steps`` generator updates through the current, fixed discriminator."""
        self._train(positive_int(steps, "steps"), 0, 1)

    def step_both(self, steps: int = 1) -> None:
        """``steps`` rounds of ordinary GAN training: a discriminator update, then a generator update."""
        self._train(positive_int(steps, "steps"), 1, 1)

    def discriminator(self, points: np.ndarray) -> np.ndarray:
        """D(x), a probability, at the given points (a 1-D array)."""
        points = real_array(points, "points", np.float32).reshape(-1, 1)
        logits = self.gan.discriminator(points, training=False)
        return keras.ops.convert_to_numpy(tf.sigmoid(logits)).ravel()

    def samples(self, n: int = 20_000, seed: int = 1) -> np.ndarray:
        """``n`` generated points as a 1-D array; the same seed gives the same noise."""
        return self.gan.sample(n, seed=seed).ravel()

    def snapshot(self, title: str | None = None, n: int = 20_000) -> dict[str, Any]:
        """The current state as a frame for ``gan_lib.plotting.line_game_snapshots``."""
        return {
            "x": self.x.copy(),
            "d_values": self.discriminator(self.x),
            "fake": self.samples(n),
            "title": title if title is not None else self.label(),
            "d_updates": self.d_updates,
            "g_updates": self.g_updates,
        }

    def label(self) -> str:
        """The update counts, as the status line and the picture's title show them."""
        return f"D updates {self.d_updates}, G updates {self.g_updates}"

    def draw(self, ax: Any = None, *, legend: bool = True) -> Any:
        """Draw the current state with ``gan_lib.plotting.line_game``; returns the axes.

        With ``legend``, a key below the axes names the real density, the generated density
        and D(x) (the last on the right-hand axis)."""
        density = None if self.data_density is None else self.data_density(self.x)
        ax = plotting.line_game(self.x, self.discriminator(self.x), self.samples(), data_density=density,
                                real=self.real, ax=ax, title=self.label())
        if legend:
            names = {"real density": "real density", "real data": "real data (histogram)",
                     "generated": "generated density (histogram)", "D(x)": "D(x) (right axis)"}
            handles = []
            # ax and its twin (D's axis): the axes that share its x axis and its place
            twins = [other for other in ax.get_shared_x_axes().get_siblings(ax)
                     if other.get_position().bounds == ax.get_position().bounds]
            for axes in sorted(twins, key=lambda axes: axes is not ax):
                handles += [h for h in axes.get_legend_handles_labels()[0] if h.get_label() in names]
            ax.legend(handles, [names[h.get_label()] for h in handles], loc="upper center",
                      bbox_to_anchor=(0.5, -0.12), ncol=len(handles), fontsize=8, frameon=False)
        return ax

    # --- the continuous run (InteractiveGame's hooks) ---

    _speed = ("steps_per_click", "steps")

    def _frame(self, rounds: int) -> None:
        self.step_both(rounds)

    def _locked_while_playing(self) -> list[Any]:
        c = self._controls
        return [c.step_d, c.step_g, c.step_both]

    # --- the widgets ---

    def _build_controls(self) -> Controls:
        """The widgets: ``steps`` (a slider), the buttons ``step_d``, ``step_g``, ``step_both``, ``play``
        (a toggle: play/pause) and ``reset``, ``status`` and ``image``; ``buttons`` lists the buttons,
        ``settings`` the slider."""
        # Imported here: TensorFlow, Keras and pyplot do not load ipywidgets, and only the controls need it,
        # so a chapter without a playground does not pay for it.
        import ipywidgets as widgets

        c = Controls()
        c.steps = _fitted(widgets.IntSlider(value=self.steps_per_click, min=1, max=max(1000, self.steps_per_click),
                                            step=1, description="steps per click"))
        _tip(c.steps, "Steps that each button takes; while playing, the rounds between two redraws.")
        c.step_d = widgets.Button(description="step D", tooltip="train the discriminator only")
        c.step_g = widgets.Button(description="step G", tooltip="train the generator only")
        c.step_both = widgets.Button(description="step both", tooltip="alternate D and G steps")
        c.play = widgets.ToggleButton(value=False, description="play", button_style="success",
                                      tooltip="alternate D and G steps continuously, redrawing after every "
                                              "'steps per click' rounds; press again to pause")
        c.reset = widgets.Button(description="reset", button_style="warning",
                                 tooltip="new networks from the seed, counters back to 0")
        c.buttons = [c.step_d, c.step_g, c.step_both, c.play, c.reset]
        c.settings = [c.steps]
        for button in c.buttons:
            button.layout.width = "136px"
        _status_and_image(widgets, c)
        c.steps.observe(lambda change: setattr(self, "steps_per_click", change["new"]), names="value")
        c.step_d.on_click(lambda _: self._reporting(f"{c.steps.value} D steps", self.step_discriminator,
                                                    c.steps.value))
        c.step_g.on_click(lambda _: self._reporting(f"{c.steps.value} G steps", self.step_generator, c.steps.value))
        c.step_both.on_click(lambda _: self._reporting(f"{c.steps.value} rounds of D and G steps", self.step_both,
                                                       c.steps.value))
        c.play.observe(self._on_play, names="value")
        c.reset.on_click(lambda _: self._reporting("reset", self.reset))
        buttons = widgets.Box(c.buttons, layout=widgets.Layout(flex_flow="row wrap"))
        c.box = _column_and_picture(widgets, [c.steps, buttons, c.status], c.image)
        return c

    def _refresh(self) -> None:
        """Redraw the picture and the status line, if the controls exist."""
        if self._controls is None:
            return
        figure = Figure(figsize=(7, 3.4))
        self.draw(ax=figure.add_subplot())
        figure.tight_layout()
        _show_figure(figure, self._controls.image, dpi=90)
        self._show_status()

    def _status(self) -> str:
        real_d = self.discriminator(self.real[:2000]).mean()
        fake_d = self.discriminator(self.samples(2000)).mean()
        return f"{self.label()} <br>mean D on real points {real_d:.3f}, on generated points {fake_d:.3f}"
