"""The 2-D playground, an in-notebook counterpart of GAN Lab (chapter 5).

Pick a dataset (or make one: a ring, line or grid of Gaussians), a loss, a regulariser and the
learning rates, step either player or both, train N rounds or play continuously, and watch the
samples, D's heat map, the generator's gradient and the coverage curves follow.  Every control
calls a plain method of ``Playground``, so tests and the static book drive it without a browser.
The settings, their checks and their recipe are ``gan_lib.playground_settings``'s; the layout,
the status line and play/pause are ``gan_lib.widget_base``'s, shared with the 1-D game.
"""

from __future__ import annotations

import textwrap
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from IPython.display import display
from matplotlib.figure import Figure

from gan_lib import data, losses, metrics, plotting, recipes
from gan_lib._checks import positive_int, real_array
from gan_lib._checks import seed as check_seed
from gan_lib.playground_settings import (
    ARRANGEMENTS,
    CUSTOM,
    CUSTOM_SETTINGS,
    DEFAULT_SETTINGS,
    LEARNING_RATES,
    MAX_MODES,
    PLAYGROUND_DATASETS,
    RADII,
    REGULARIZERS,
    STDS,
    WEIGHTS,
    checked_settings,
    mixture,
    settings_recipe,
    settings_text,
)
from gan_lib.widget_base import (
    _CONTROL,
    SPEEDS,
    Controls,
    InteractiveGame,
    _column_and_picture,
    _dropdown,
    _fitted,
    _set_slider,
    _show_figure,
    _slider_and_value,
    _status_and_image,
    _tip,
)

_REAL_POINTS = 10_000
_COVERAGE_SAMPLES = 2_500  # as in the sweep (chapter 5)
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
        refresh_every: ``train`` redraws (and measures coverage) after every this many rounds.
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
        self.gan.d_optimizer.learning_rate = new["d_lr"]
        self.gan.g_optimizer.learning_rate = new["g_lr"]
        self._compile()
        self._refresh()

    def recipe(self) -> recipes.Recipe:
        """The current settings as a ``recipes.Recipe`` (constant learning rates, Adam betas 0.5 and 0.9)."""
        return settings_recipe(self.settings, width=self.width, depth=self.depth, latent_dim=self.latent_dim,
                               batch_size=self.batch_size)

    def _compile(self) -> None:
        """(Re)compile with the current loss and regulariser, keeping the optimisers and their state."""
        tricks = self.recipe().tricks()  # d_steps among them: only train_step reads it, not the runner
        self.gan.compile(self.gan.d_optimizer, self.gan.g_optimizer, loss=self.settings["loss"], **tricks)
        self._runner = self._make_runner()  # the loss and tricks are traced into the graph

    # --- the game, without widgets ---

    def reset(self) -> None:
        """New networks, optimisers and data batches from ``seed``; the counters and curves restart.
        A continuous run pauses."""
        self.pause()
        keras.utils.set_random_seed(self.seed)
        self.centers, self.std = mixture(self.settings)
        self.real = data.mixture(_REAL_POINTS, self.centers, self.std, seed=self.seed)
        self.gan = recipes.build_gan(self.recipe(), 2, seed=self.seed)
        self._batches = tf.random.Generator.from_seed(self.seed)
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

    def _make_runner(self) -> Any:
        gan, real, batch_size = self.gan, tf.constant(self.real), self.batch_size
        batches = self._batches

        @tf.function
        def run(rounds: tf.Tensor, d_per_round: tf.Tensor, g_per_round: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            # Many rounds in one graph call: a Python call per step would be several times slower.
            d_losses = tf.TensorArray(tf.float32, size=rounds)
            g_losses = tf.TensorArray(tf.float32, size=rounds)
            for i in tf.range(rounds):
                d_loss = tf.constant(np.nan, tf.float32)  # NaN: that player did not move this round
                g_loss = tf.constant(np.nan, tf.float32)
                for _ in tf.range(d_per_round):
                    index = batches.uniform([batch_size], minval=0, maxval=len(self.real), dtype=tf.int32)
                    d_loss = tf.cast(gan.discriminator_step(tf.gather(real, index))[0], tf.float32)
                for _ in tf.range(g_per_round):
                    g_loss = tf.cast(gan.generator_step(batch_size), tf.float32)
                d_losses = d_losses.write(i, d_loss)
                g_losses = g_losses.write(i, g_loss)
            return d_losses.stack(), g_losses.stack()

        return run

    def _run(self, rounds: int, d_per_round: int, g_per_round: int) -> None:
        d_losses, g_losses = (
            keras.ops.convert_to_numpy(t) for t in self._runner(tf.constant(rounds), tf.constant(d_per_round),
                                                                 tf.constant(g_per_round))
        )
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
        """``rounds`` rounds of ``step_both``; coverage is measured (and the plots redrawn) every
        ``refresh_every`` rounds and at the end.  Stops early if training diverges."""
        rounds = positive_int(rounds, "rounds")
        done = 0
        self._show_progress(done, rounds)
        while done < rounds and not self.diverged():
            chunk = min(self.refresh_every, rounds - done)
            self._run(chunk, self.settings["d_steps"], 1)
            done += chunk
            self._record_coverage()
            self._refresh()
            self._show_progress(done, rounds)

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
        """The widgets: the settings ``dataset``, ``arrangement``, ``modes``, ``radius``, ``std`` (the custom
        dataset's, in the box ``custom``, shown only for it), ``loss``, ``regularizer``, ``weight``, ``d_lr``,
        ``g_lr`` (each of these three a box with the exact value, beside a slider ``weight_slider``,
        ``d_lr_slider``, ``g_lr_slider``), ``d_steps``; ``rounds`` (N) and ``speed`` (rounds per frame of a
        continuous run); the buttons ``step_d``, ``step_g``, ``step_both``, ``train``, ``play`` (a toggle:
        play/pause) and ``reset``; and ``progress``, ``status``, ``image``.  ``settings`` lists the settings,
        N and the speed; ``buttons`` the buttons."""
        # Imported here: TensorFlow, Keras and pyplot do not load ipywidgets, and only the controls need it,
        # so a chapter without a playground does not pay for it.
        import ipywidgets as widgets

        c = Controls()
        s = self.settings
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
        speeds = sorted({*SPEEDS, self.rounds_per_frame})
        c.speed = _tip(_fitted(widgets.SelectionSlider(options=speeds, value=self.rounds_per_frame,
                                                       description="rounds per frame")),
                       "The speed of play: rounds trained between two redraws (more is faster, in bigger jumps).")
        c.step_d = widgets.Button(description="step D", tooltip="one discriminator update")
        c.step_g = widgets.Button(description="step G", tooltip="one generator update")
        c.step_both = widgets.Button(description="step both", tooltip="D steps per G step, then one G step")
        c.train = widgets.Button(description="train N steps", button_style="primary",
                                 tooltip=f"N rounds of 'step both'; the plots follow every {self.refresh_every} rounds")
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
            getattr(c, name).observe(lambda change, name=name: self._on_setting(name, change["new"]), names="value")
        for name in ("weight", "d_lr", "g_lr"):
            getattr(c, f"{name}_slider").observe(lambda change, name=name: self._on_setting(name, change["new"]),
                                                 names="value")
        c.rounds.observe(self._on_rounds, names="value")
        c.speed.observe(lambda change: setattr(self, "rounds_per_frame", change["new"]), names="value")
        c.step_d.on_click(lambda _: self._reporting("one D step", self.step_discriminator))
        c.step_g.on_click(lambda _: self._reporting("one G step", self.step_generator))
        c.step_both.on_click(lambda _: self._reporting("one round of D and G steps", self.step_both))
        c.train.on_click(lambda _: self._reporting(f"training {c.rounds.value} steps", self.train, c.rounds.value))
        c.play.observe(self._on_play, names="value")
        c.reset.on_click(lambda _: self._reporting("reset", self.reset))
        row = widgets.Layout(flex_flow="row wrap")
        column = [dataset_row, c.custom, loss_row, regularizer_row, weight_row, d_lr_row, g_lr_row, c.d_steps,
                  widgets.Box([c.step_d, c.step_g, c.step_both], layout=row),
                  widgets.Box([c.rounds, c.train], layout=row), c.speed, widgets.Box([c.play, c.reset], layout=row),
                  c.progress, c.status]
        c.box = _column_and_picture(widgets, column, c.image)
        return c

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
            c, s = self._controls, self.settings
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
        finally:
            self._syncing = False

    def _show_progress(self, done: int, total: int) -> None:
        """The progress bar, if the controls exist: ``done`` of ``total`` steps of a ``train``."""
        if self._controls is None:
            return
        progress = self._controls.progress
        progress.value = 0
        progress.max = total
        progress.value = done
        progress.description = f"steps {done}/{total}"

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
