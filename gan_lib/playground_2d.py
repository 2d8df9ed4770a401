"""The 2-D playground, an in-notebook counterpart of GAN Lab (chapter 5).

Pick a dataset (or make one: a ring, line or grid of Gaussians), a loss, a regulariser and the
learning rates, step either player or both, train N rounds or play continuously, and watch the
samples, D's heat map, the generator's gradient and the coverage curves follow.  Every control
calls a plain method of ``Playground``, so tests and the static book drive it without a browser.
Training is ``GAN.train_rounds``, the loop the 1-D game uses too.  The settings, their checks and
their recipe are ``gan_lib.playground_settings``'s; the widgets are ``gan_lib.playground_controls``'s;
the layout, the status line and play/pause are ``gan_lib.widget_base``'s, shared with the 1-D game.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from IPython.display import display
from matplotlib.figure import Figure

from gan_lib import data, losses, metrics, plotting, recipes
from gan_lib._checks import positive_int, real_array
from gan_lib._checks import seed as check_seed
from gan_lib.playground_controls import build_controls, show_progress, sync_controls
from gan_lib.playground_settings import (
    CUSTOM,
    CUSTOM_SETTINGS,
    DEFAULT_SETTINGS,
    checked_settings,
    mixture,
    settings_recipe,
    settings_text,
)
from gan_lib.widget_base import Controls, InteractiveGame, _show_figure

_REAL_POINTS = 10_000
_COVERAGE_SAMPLES = 2_500  # as in the sweep (chapter 5)
# ``train`` redraws at most this often: drawing the panels and encoding the PNG take about a
# second on 2 CPU cores, as long as ~500 rounds, so redrawing every chunk would triple the time.
REDRAW_SECONDS = 1.5
_HEAT_MAP_SIDE = 80
_ARROWS = 150


def playground(**settings: Any) -> Playground:
    """A 2-D GAN to play with in a notebook: returns a ``Playground``, which displays its controls.

    Keywords are ``Playground``'s (e.g. ``dataset="grid"``, ``regularizer="r1"``).
    """
    return Playground(**settings)


class Playground(InteractiveGame):
    """A small 2-D GAN with controls, plots and plain methods for each control.

    Settings (each also a control): ``dataset`` (a key of ``PLAYGROUND_DATASETS``, or
    ``"custom"``), ``loss`` (a name from ``gan_lib.losses.NAMES``), ``regularizer`` (a key of
    ``REGULARIZERS``) and its ``weight`` (None: the regulariser's default), ``d_lr`` and
    ``g_lr`` (Adam, betas 0.5 and 0.9), and ``d_steps`` (discriminator steps per generator
    step).  The custom dataset is made from ``arrangement`` ("ring", "line" or "grid"),
    ``modes``, ``radius`` (see ``custom_centers``) and ``std``, the standard deviation of each
    mode; modes may not overlap (std at most a sixth of the distance between neighbouring
    centres, so that their 3-std discs, where coverage counts a sample, stay apart).
    ``configure`` changes the settings while the game runs: the networks and optimiser states
    are kept, except that a new dataset (or new custom mixture), or switching spectral
    normalisation on or off, starts a new game.

    ``train(rounds)`` trains and returns; ``play()`` trains continuously, a frame of
    ``rounds_per_frame`` rounds at a time, until ``pause()`` (see ``gan_lib.widget_base``).

    Args:
        batch_size, width, depth, latent_dim: the batch and the MLPs of both players.
        seed: ``reset`` reseeds everything with it, so a reset game replays exactly.
        refresh_every: ``train`` measures coverage after every this many rounds, and redraws
            then too, at most once every ``REDRAW_SECONDS`` (a redraw costs about as much as
            a few hundred rounds) and always at the end.
        rounds_per_frame: ``play``'s rounds between two redraws (the speed control's start value).
        **settings: initial values of the settings above.
    """

    def __init__(
        self,
        *,
        batch_size: int = 256,
        width: int = 64,
        depth: int = 3,
        latent_dim: int = 8,
        seed: int = 0,
        refresh_every: int = 250,
        rounds_per_frame: int = 50,
        **settings: Any,
    ) -> None:
        self.batch_size = positive_int(batch_size, "batch_size")
        self.width = positive_int(width, "width")
        self.depth = positive_int(depth, "depth")
        self.latent_dim = positive_int(latent_dim, "latent_dim")
        seed = check_seed(seed, upper=2**32)
        if seed is None:
            raise ValueError("seed must be an integer >= 0, got None")
        self.seed = seed
        self.refresh_every = positive_int(refresh_every, "refresh_every")
        self.rounds_per_frame = positive_int(rounds_per_frame, "rounds_per_frame")
        self.settings = checked_settings({**DEFAULT_SETTINGS, **settings}, settings)
        self.reset()

    # --- settings ---

    def configure(self, **changes: Any) -> None:
        """Change settings; the game goes on with them (see the class docstring for what resets)."""
        old = self.settings
        new = checked_settings({**old, **changes}, changes)
        spectral = [s["regularizer"] == "spectral_norm" for s in (old, new)]
        self.settings = new
        new_data = new["dataset"] != old["dataset"] or (
            new["dataset"] == CUSTOM and any(new[name] != old[name] for name in CUSTOM_SETTINGS))
        if new_data or spectral[0] != spectral[1]:
            self.reset()
            return
        self.gan.set_learning_rates(new["d_lr"], new["g_lr"])
        if any(new[name] != old[name] for name in ("loss", "regularizer", "weight", "d_steps")):
            self._compile()  # the loss and tricks are traced into the training graph: compile anew
        self._refresh()

    def recipe(self) -> recipes.Recipe:
        """The current settings as a ``recipes.Recipe`` (constant learning rates, Adam betas 0.5 and 0.9)."""
        return settings_recipe(self.settings, width=self.width, depth=self.depth, latent_dim=self.latent_dim,
                               batch_size=self.batch_size)

    def _compile(self) -> None:
        """(Re)compile with the current loss and regulariser, keeping the optimisers and their state."""
        tricks = self.recipe().tricks()  # d_steps among them: the default of train_rounds' D steps per round
        self.gan.compile(self.gan.d_optimizer, self.gan.g_optimizer, loss=self.settings["loss"], **tricks)

    # --- the game, without widgets ---

    def reset(self) -> None:
        """New networks, optimisers and data batches from ``seed``; the counters and curves restart.
        A continuous run pauses."""
        self.pause()
        keras.utils.set_random_seed(self.seed)
        self.centers, self.std = mixture(self.settings)
        self.real = data.mixture(_REAL_POINTS, self.centers, self.std, seed=self.seed)
        self.gan = recipes.build_gan(self.recipe(), 2, seed=self.seed)
        self._real = tf.constant(self.real)
        self._batches = tf.random.Generator.from_seed(self.seed)  # the real batches' sampler
        self._compile()
        self.d_updates = 0
        self.g_updates = 0
        self.losses: dict[str, list[float]] = {"updates": [], "d_loss": [], "g_loss": []}
        self.coverage_history: dict[str, list[float]] = {"updates": [], "modes": [], "high_quality": [],
                                                         "reverse_kl": []}
        self._record_coverage()
        self._refresh()
        if self._controls is not None:
            self._show_progress(0, self._controls.rounds.value)

    def _run(self, rounds: int, d_per_round: int, g_per_round: int) -> None:
        """``rounds`` rounds of ``d_per_round`` D updates then ``g_per_round`` G updates (``GAN.train_rounds``,
        on batches from the game's own sampler), and the losses and counters that follow."""
        d_losses, g_losses = self.gan.train_rounds(self._real, rounds, d_per_round, g_per_round,
                                                   batch_size=self.batch_size, batches=self._batches)
        per_round = d_per_round + g_per_round
        start = self.d_updates + self.g_updates
        self.losses["updates"].extend(start + per_round * np.arange(1, rounds + 1))
        self.losses["d_loss"].extend(d_losses.tolist())
        self.losses["g_loss"].extend(g_losses.tolist())
        self.d_updates += rounds * d_per_round
        self.g_updates += rounds * g_per_round

    def step_discriminator(self) -> None:
        """One discriminator update against the current, fixed generator."""
        self._run(1, 1, 0)
        self._after_click()

    def step_generator(self) -> None:
        """One generator update through the current, fixed discriminator."""
        self._run(1, 0, 1)
        self._after_click()

    def step_both(self) -> None:
        """One round of training: ``d_steps`` discriminator updates, then one generator update."""
        self._run(1, self.settings["d_steps"], 1)
        self._after_click()

    def train(self, rounds: int) -> None:
        """``rounds`` rounds of ``step_both``; coverage is measured every ``refresh_every`` rounds,
        the plots are redrawn then at most once every ``REDRAW_SECONDS``, and both happen at the
        end.  Stops early if training diverges."""
        rounds = positive_int(rounds, "rounds")
        done = 0
        self._show_progress(done, rounds)
        last_redraw, drawn = time.monotonic(), True
        while done < rounds and not self.diverged():
            chunk = min(self.refresh_every, rounds - done)
            self._run(chunk, self.settings["d_steps"], 1)
            done += chunk
            self._record_coverage()
            drawn = done == rounds or time.monotonic() - last_redraw >= REDRAW_SECONDS
            if drawn:
                self._refresh()
                last_redraw = time.monotonic()
            self._show_progress(done, rounds)
        if not drawn:  # stopped by a divergence: show where it stopped
            self._refresh()

    def diverged(self) -> bool:
        """True when a weight of either network is NaN or infinite (only a reset helps then)."""
        return not all(np.isfinite(w).all() for w in self.gan.player_weights().values())

    def _after_click(self) -> None:
        self._record_coverage()
        self._refresh()

    def _record_coverage(self) -> None:
        scores = self.coverage()
        self.coverage_history["updates"].append(self.d_updates + self.g_updates)
        self.coverage_history["modes"].append(scores["modes"])
        self.coverage_history["high_quality"].append(scores["high_quality"])
        self.coverage_history["reverse_kl"].append(scores["reverse_kl"])

    def coverage(self) -> dict[str, float]:
        """``gan_lib.metrics.mode_coverage`` of 2,500 samples (the same noise every time); a sample
        that is NaN or infinite (a diverged generator) counts as not high quality."""
        return metrics.mode_coverage(self.samples(_COVERAGE_SAMPLES), self.centers, self.std, allow_non_finite=True)

    def samples(self, n: int = 1000) -> np.ndarray:
        """``n`` generated points, shape (n, 2), from fixed noise (so frames are comparable)."""
        return self.gan.sample(n, seed=1)

    @property
    def limit(self) -> float:
        """Half the side of the square that the plots show: 1.5 times the outermost centre's
        coordinate, and at least 4 std beyond it (a mode at 0 still shows)."""
        outermost = float(np.max(np.abs(self.centers)))
        return max(1.5 * outermost, outermost + 4 * self.std)

    # --- the continuous run (InteractiveGame's hooks) ---

    _speed = ("rounds_per_frame", "speed")

    def _frame(self, rounds: int) -> None:
        self._run(rounds, self.settings["d_steps"], 1)

    def _after_frame(self, done: int, total: int | None) -> None:
        self._record_coverage()
        self._refresh()
        if total is not None:
            self._show_progress(done, total)

    def _stuck(self) -> bool:
        return self.diverged()

    def _locked_while_playing(self) -> list[Any]:
        c = self._controls
        return [c.step_d, c.step_g, c.step_both, c.train, c.rounds]

    def discriminator_map(self, side: int = _HEAT_MAP_SIDE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D on a ``side`` x ``side`` grid over the plotted square: (x, y, values), values[i, j] at
        (x[i, j], y[i, j]).  A probability for the cross-entropy losses, else the raw critic value."""
        axis = np.linspace(-self.limit, self.limit, side, dtype=np.float32)
        grid_x, grid_y = np.meshgrid(axis, axis)
        points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
        values = self._discriminator_output(points).reshape(side, side)
        return grid_x, grid_y, values

    def _cross_entropy(self) -> bool:
        return losses.get(self.settings["loss"]).cross_entropy

    def _discriminator_output(self, points: np.ndarray) -> np.ndarray:
        logits = self.gan.discriminator(points, training=False)
        values = tf.sigmoid(logits) if self._cross_entropy() else logits
        return keras.ops.convert_to_numpy(values).ravel()

    def generator_push(self, points: np.ndarray) -> np.ndarray:
        """Minus the gradient of the generator's loss with respect to each point: the direction
        a generator step moves a sample that sits at that point (per sample, not averaged)."""
        points = real_array(points, "points", np.float32)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got {points.shape}")
        points = tf.constant(points)
        with tf.GradientTape() as tape:
            tape.watch(points)
            loss = self.gan.adversarial_loss.generator(self.gan.discriminator(points, training=False))
        # The loss is a mean over the points: times n gives each point's own gradient.
        return -keras.ops.convert_to_numpy(tape.gradient(loss, points)) * len(points)

    def _counts_text(self) -> str:
        return f"D updates {self.d_updates}, G updates {self.g_updates}"

    def label(self) -> str:
        """The settings and the update counts, on one line (the status line's start)."""
        return f"{settings_text(self.settings)} | {self._counts_text()}"

    def title(self) -> str:
        """The figure's title: the settings wrapped to lines of at most 60 characters, then the
        counts on a line of their own, so that long settings are never cut off at the edges."""
        return "\n".join([*textwrap.wrap(settings_text(self.settings), 60), self._counts_text()])

    def figure(self, figure: Figure | None = None) -> Any:
        """Draw the current state (``gan_lib.plotting.playground_panels``); returns the figure."""
        grid_x, grid_y, values = self.discriminator_map()
        fake = self.samples()
        arrow_points = fake[:_ARROWS]
        d_label = "D(x)" if self._cross_entropy() else "critic value"
        return plotting.playground_panels(
            grid_x=grid_x, grid_y=grid_y, d_values=values, d_label=d_label, fake=fake,
            centers=self.centers, arrow_points=arrow_points, arrows=self.generator_push(arrow_points),
            losses=self.losses, coverage=self.coverage_history, n_modes=len(self.centers), title=self.title(),
            figure=figure,
        )

    # --- the widgets ---

    def _ipython_display_(self) -> None:
        display(self.controls)

    def _build_controls(self) -> Controls:
        """The widgets (``gan_lib.playground_controls.build_controls`` says which)."""
        return build_controls(self)

    def _on_setting(self, name: str, value: Any) -> None:
        if self._syncing or self.settings[name] == value:
            return
        try:
            self.configure(**{name: value})
        except ValueError as error:
            self._sync_controls()  # back to the settings in force
            self._set_status(f"<b>Not applied:</b> {error}")

    def _on_rounds(self, change: dict[str, Any]) -> None:
        if self._running is None:  # a new N: the bar shows the run to come
            self._show_progress(0, change["new"])

    def _sync_controls(self) -> None:
        """Make the controls show the settings in force (after a reset or a refused change)."""
        self._syncing = True
        try:
            sync_controls(self._controls, self.settings)
        finally:
            self._syncing = False

    def _show_progress(self, done: int, total: int) -> None:
        """The progress bar, if the controls exist: ``done`` of ``total`` steps of a ``train``."""
        if self._controls is not None:
            show_progress(self._controls, done, total)

    def _refresh(self) -> None:
        """Redraw the plots and the status line, if the controls exist."""
        if self._controls is None:
            return
        self._sync_controls()
        _show_figure(self.figure(Figure(figsize=(8.5, 6.5))), self._controls.image, dpi=72)
        self._show_status()

    def _status(self) -> str:
        scores = self.coverage_history
        status = (
            f"{self.label()} <br>modes {scores['modes'][-1]} of {len(self.centers)}, "
            f"high quality {100 * scores['high_quality'][-1]:.1f}%"
        )
        if self.diverged():
            status = f"<b>Diverged:</b> a weight is NaN or infinite; press reset.<br>{status}"
        return status
