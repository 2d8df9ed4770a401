"""Interactive front ends (ipywidgets) over training and plotting.

``playground()`` is an in-notebook counterpart of GAN Lab for 2-D data: pick a dataset, a
loss, a regulariser and the learning rates, step either player or both, and watch the
samples, D's heat map, the generator's gradient and the coverage curves follow.  Like the
1-D game below, every control calls a plain method of ``Playground``, so tests and the
static book drive it without a browser.

``OneDimensionalGame`` is a GAN on the real line that a reader steps by hand: buttons
take discriminator steps, generator steps or both, and reset the game; a picture of
the real density, the generated density and D(x) follows every click.  Every button
calls a plain method (``step_discriminator``, ``step_generator``, ``step_both``,
``reset``), so a chapter can run the same game without widgets, and tests can press
the buttons headless.  ipywidgets is imported only when the controls are first built.

What the front end shows, with the library's defaults and no CSS to tune: the controls in a
narrow column on the left and the picture on its right (below them where the page is too
narrow), so that a click and the picture it redraws are on the screen together.  The picture
is a PNG drawn at twice its displayed size, shown at exactly that size (sharp on high-DPI
screens, never stretched).  While a button's action runs, every button is disabled and the
status line says what is running.  Every control has a tooltip saying what it does.

Both games also *play*: a play/pause button trains continuously, a frame at a time (a
frame: some rounds of D and G steps, then a redraw), until it is pressed again.  The frames
run as a task on the kernel's own asyncio event loop, which Jupyter, Voilà and Colab all run
Python code on, and the task gives the loop back between frames: the kernel then handles
the clicks and setting changes that came in meanwhile (pause among them), one frame at most
after they were made.  So a new loss or learning rate applies to a game while it plays.
``play(rounds)`` and ``pause()`` are the same actions in code.  (ipywidgets' ``Play`` widget
would tick from the browser at its own pace: ticks would queue up behind frames slower than
its interval and go on being trained after pause; nor could code or tests drive it.)
"""

from __future__ import annotations

import asyncio
import html
import io
import math
import struct
import textwrap
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from gan_lib import data, losses, metrics, plotting, recipes
from gan_lib._checks import choice, finite_array, number_pair, positive_float, positive_int, real_array
from gan_lib._checks import seed as check_seed
from gan_lib.training import GAN

# The PNG has this many pixels per displayed pixel: sharp on high-DPI (2x) screens, and shown at
# exactly half its size elsewhere, never stretched by the page.
PIXEL_RATIO = 2
_COLUMN = "290px"  # the controls' column, left of the picture
_CONTROL = "284px"  # a control in that column: its width less ipywidgets' margins (2 px each side)
_LABEL = "128px"  # the width of a control's description within that column
STATUS_CLASS = "gan-lib-status"  # the status line's CSS class, by which a page test finds it


# Between two frames of a continuous run, the event loop gets this long (seconds) to handle the
# clicks that came in and to send the new picture out.
_FRAME_GAP = 0.05
# The speed control's stops: rounds of D and G steps per frame of a continuous run.
SPEEDS = (1, 2, 5, 10, 25, 50, 100, 250, 500)


def _tip(widget: Any, text: str) -> Any:
    """Give ``widget`` a tooltip (shown on hover): ``tooltip`` in ipywidgets 8 (and on buttons in 7),
    ``description_tooltip`` on ipywidgets 7's other controls."""
    setattr(widget, "tooltip" if widget.has_trait("tooltip") else "description_tooltip", text)
    return widget


def _set_slider(slider: Any, value: float) -> None:
    """Set ``slider`` to ``value``, first widening its range to take it: a slider would clamp a value
    outside its range, and so show another value than the one in force.  A selection slider gets the
    value among its options."""
    if hasattr(slider, "options"):
        if value not in slider.options:
            slider.options = sorted({*slider.options, value})
        slider.value = value
        return
    if hasattr(slider, "base"):  # a log slider: its bounds are exponents
        exponent = math.log(value, slider.base)
        low, high = math.floor(exponent), math.ceil(exponent)
    else:
        low = high = value
    if low < slider.min:
        slider.min = low
    if high > slider.max:
        slider.max = high
    slider.value = value


def _dropdown(widgets: Any, description: str, tip: str, **kwargs: Any) -> tuple[Any, Any]:
    """A Dropdown for the controls' column and the row that shows it: (dropdown, row).

    ipywidgets 8 shows no tooltip on a Dropdown that has a description (jupyter-widgets/ipywidgets
    issue 3964), and 7 none on a Dropdown at all.  So the Dropdown has no description (8 then puts the
    tooltip on the menu itself), and the row puts the description beside it as a label of its own
    that carries the tooltip too, in every front end."""
    dropdown = _tip(widgets.Dropdown(**kwargs), tip)
    label = widgets.HTML(f'<div title="{html.escape(tip)}" style="text-align: right">{html.escape(description)}</div>',
                         layout=widgets.Layout(width=f"{int(_LABEL[:-2]) - 8}px", margin="2px 8px 2px 2px"))
    dropdown.layout.width = f"{int(_CONTROL[:-2]) - int(_LABEL[:-2]) - 4}px"
    return dropdown, widgets.HBox([label, dropdown])


def tooltip(widget: Any) -> str:
    """The tooltip of an ipywidgets control, as ``_tip`` set it (empty if none)."""
    for name in ("tooltip", "description_tooltip"):
        if widget.has_trait(name) and getattr(widget, name):
            return getattr(widget, name)
    return ""


class _ContinuousRun:
    """Play and pause for a game that trains and redraws a frame at a time.

    A game defines ``_frame(rounds)`` (train that many rounds and redraw), ``_per_frame()`` and
    ``_set_per_frame(n)`` (the speed), ``_stuck()`` (True when playing on cannot help, e.g. after a
    divergence), ``_after_frame(done, total)`` and ``_show_playing(playing)`` (the controls' state).
    """

    _task: asyncio.Task | None = None
    _stop_requested = False
    _frames_running = False  # from play() until its last frame is drawn: what the controls show

    @property
    def playing(self) -> bool:
        """True while a continuous run is going (in the background of the event loop)."""
        return self._task is not None and not self._task.done()

    def play(self, rounds: int | None = None, *, per_frame: int | None = None) -> asyncio.Task | None:
        """Train continuously, a frame of ``per_frame`` rounds at a time (default: the speed control's),
        redrawing after each frame, until ``pause()`` or until ``rounds`` rounds (None: no limit).

        With an event loop running (a Jupyter, Voilà or Colab kernel), returns at once: the frames run as
        an asyncio task on that loop, which handles the kernel's messages (a click on pause, a new
        setting) between frames; the task is returned.  Without one (a script), ``rounds`` is needed and
        the frames run before ``play`` returns (None)."""
        if self.playing:
            raise RuntimeError("already playing: pause() first")
        if rounds is not None:
            rounds = positive_int(rounds, "rounds")
        if per_frame is not None:
            self._set_per_frame(positive_int(per_frame, "per_frame"))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self._stop_requested = False
        if loop is None:
            if rounds is None:
                raise ValueError("play() without rounds runs until pause(), which needs a running event loop "
                                 "(a Jupyter, Voilà or Colab kernel); in a script, give rounds")
            self._set_playing(True)
            asyncio.run(self._play(rounds, gap=0.0))
            return None
        self._set_playing(True)
        self._task = loop.create_task(self._play(rounds, gap=_FRAME_GAP))
        self._task.add_done_callback(self._played)
        return self._task

    def pause(self) -> None:
        """Stop a continuous run after the frame in progress (at once, between frames, as in a kernel)."""
        if self.playing:
            self._stop_requested = True

    async def _play(self, rounds: int | None, gap: float) -> int:
        done = 0
        try:
            while not self._stop_requested and (rounds is None or done < rounds) and not self._stuck():
                chunk = self._per_frame() if rounds is None else min(self._per_frame(), rounds - done)
                self._frame(chunk)
                done += chunk
                self._after_frame(done, rounds)
                await asyncio.sleep(gap)  # here the kernel handles what came in: pause, new settings
        finally:
            self._set_playing(False)
        return done

    def _set_playing(self, playing: bool) -> None:
        self._frames_running = playing
        self._show_playing(playing)

    def _played(self, task: asyncio.Task) -> None:
        """A finished run's error goes to the status line (and counts as retrieved: no log on stderr)."""
        if not task.cancelled() and task.exception() is not None:
            self._show_error(task.exception())

    # defaults for the hooks that only matter with controls
    def _stuck(self) -> bool:
        return False

    def _after_frame(self, done: int, total: int | None) -> None:
        pass

    def _show_error(self, error: BaseException) -> None:
        if self._controls is not None:
            self._controls.status.value = f"<b>Error:</b> {type(error).__name__}: {error}"


def _png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


def _show_figure(figure: Figure, image: Any, dpi: float) -> None:
    """Put ``figure`` into the ipywidgets ``image``: drawn at ``PIXEL_RATIO`` x ``dpi``, displayed at
    ``dpi`` (its natural size at 1x), with an explicit size so that no page layout stretches it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi * PIXEL_RATIO)
    png = buffer.getvalue()
    width, height = _png_size(png)
    image.value = png
    image.layout.width = f"{width / PIXEL_RATIO:g}px"
    image.layout.height = f"{height / PIXEL_RATIO:g}px"
    image.layout.object_fit = "contain"  # where a narrow page caps the width, scale down, never distort


def _column_and_picture(widgets: Any, controls: list[Any], image: Any) -> Any:
    """The controls in a narrow column, the picture to their right (wrapping below on a narrow page)."""
    image.layout.flex = "0 0 auto"  # neither grown nor shrunk: always its natural size
    column = widgets.VBox(controls, layout=widgets.Layout(width=_COLUMN, min_width=_COLUMN))
    return widgets.HBox([column, image], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))


def _fitted(widget: Any) -> Any:
    """Fit a control into the column: its full width, with a description column of ``_LABEL``."""
    widget.layout.width = _CONTROL
    widget.style.description_width = _LABEL
    return widget


class OneDimensionalGame(_ContinuousRun):
    """A 1-D GAN stepped by hand, with optional ipywidgets controls.

    ``play()`` runs rounds of ``step_both`` continuously, ``steps_per_click`` rounds a frame,
    until ``pause()`` (the *play* button; see the module's docstring).

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
        self._controls: Any = None
        self.reset()

    # --- the game, without widgets ---

    def reset(self) -> None:
        """New networks and optimisers from ``build_gan``, step counters back to 0 (pauses a run)."""
        self.pause()
        keras.utils.set_random_seed(self.seed)
        self.gan = self.build_gan()
        if not isinstance(self.gan, GAN):
            raise ValueError(f"build_gan must return a gan_lib.GAN, got {type(self.gan).__name__}")
        self._rng = np.random.default_rng(self.seed)
        # Compiled once per GAN: one Python call per step would be several times slower.
        self._d_step = tf.function(self.gan.discriminator_step)
        self._g_step = tf.function(self.gan.generator_step)
        self.d_steps = 0
        self.g_steps = 0
        self._refresh()

    def step_discriminator(self, steps: int = 1) -> None:
        """``steps`` discriminator updates against the current, fixed generator."""
        for _ in range(positive_int(steps, "steps")):
            self._d_step(self._real_batch())
        self.d_steps += steps
        self._refresh()

    def step_generator(self, steps: int = 1) -> None:
        """``steps`` generator updates through the current, fixed discriminator."""
        for _ in range(positive_int(steps, "steps")):
            self._g_step(self.batch_size)
        self.g_steps += steps
        self._refresh()

    def step_both(self, steps: int = 1) -> None:
        """``steps`` rounds of ordinary GAN training: a discriminator step, then a generator step."""
        for _ in range(positive_int(steps, "steps")):
            self._d_step(self._real_batch())
            self._g_step(self.batch_size)
        self.d_steps += steps
        self.g_steps += steps
        self._refresh()

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
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
        }

    def label(self) -> str:
        return f"D steps {self.d_steps}, G steps {self.g_steps}"

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

    def _real_batch(self) -> tf.Tensor:
        return tf.constant(self.real[self._rng.integers(0, len(self.real), self.batch_size)])

    # --- the continuous run (_ContinuousRun's hooks) ---

    def _frame(self, rounds: int) -> None:
        self.step_both(rounds)

    def _per_frame(self) -> int:
        return self.steps_per_click

    def _set_per_frame(self, rounds: int) -> None:
        self.steps_per_click = rounds
        if self._controls is not None:
            _set_slider(self._controls.steps, rounds)

    def _show_playing(self, playing: bool) -> None:
        if self._controls is None:
            return
        c = self._controls
        c.syncing = True
        try:
            c.play.value = playing
            c.play.description = "pause" if playing else "play"
        finally:
            c.syncing = False
        for button in (c.step_d, c.step_g, c.step_both):
            button.disabled = playing
        self._refresh_status()

    # --- the widgets ---

    @property
    def controls(self) -> Any:
        """The ipywidgets box: a steps slider, four buttons and a status line, beside the picture."""
        if self._controls is None:
            self._controls = self._build_controls()
            self._refresh()
        return self._controls.box

    def _build_controls(self) -> Any:
        import ipywidgets as widgets  # imported here so that gan_lib works without ipywidgets

        class Controls:  # a plain namespace for the widgets, so tests can reach each one
            pass

        c = Controls()
        c.syncing = False  # True while the code, not the reader, sets the play button
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
        for button in c.buttons:
            button.layout.width = "136px"
        c.status = widgets.HTML()
        c.status.add_class(STATUS_CLASS)
        c.image = widgets.Image(format="png")
        c.steps.observe(lambda change: setattr(self, "steps_per_click", change["new"]), names="value")
        c.step_d.on_click(lambda _: self._busy(f"{c.steps.value} D steps", self.step_discriminator, c.steps.value))
        c.step_g.on_click(lambda _: self._busy(f"{c.steps.value} G steps", self.step_generator, c.steps.value))
        c.step_both.on_click(lambda _: self._busy(f"{c.steps.value} rounds of D and G steps", self.step_both,
                                                  c.steps.value))
        c.play.observe(self._on_play, names="value")
        c.reset.on_click(lambda _: self._busy("reset", self.reset))
        buttons = widgets.Box(c.buttons, layout=widgets.Layout(flex_flow="row wrap"))
        c.box = _column_and_picture(widgets, [c.steps, buttons, c.status], c.image)
        return c

    def _on_play(self, change: dict[str, Any]) -> None:
        """The play button pressed (play) or released (pause) by the reader."""
        if self._controls.syncing:
            return
        if not change["new"]:
            self.pause()
            return
        try:
            self.play()
        except (RuntimeError, ValueError) as error:  # e.g. still finishing the last frame of a run
            self._show_playing(self._frames_running)
            self._controls.status.value = f"<b>Not started:</b> {error}"

    def _busy(self, what: str, action: Callable[..., None], *args: Any) -> None:
        """Run a button's action with the buttons and the slider disabled and the status line saying
        so; an error goes to the status line (ipywidgets would hide it in a log)."""
        c = self._controls
        for control in (*c.buttons, c.steps):
            control.disabled = True
        c.status.value = f"<b>Running:</b> {what} ..."
        try:
            action(*args)
        except Exception as error:  # noqa: BLE001 - any failure is shown to the reader, not swallowed
            c.status.value = f"<b>Error:</b> {type(error).__name__}: {error}"
        finally:
            for control in (*c.buttons, c.steps):
                control.disabled = False
            if self._frames_running:  # a reset pauses: the run's last frame is still to end, and re-enables them
                for button in (c.step_d, c.step_g, c.step_both):
                    button.disabled = True

    @property
    def widgets(self) -> Any:
        """The individual widgets (``steps``, ``step_d``, ``step_g``, ``step_both``, ``play``, ``reset``,
        ``status``, ``image``), built on first use."""
        _ = self.controls
        return self._controls

    def _refresh(self) -> None:
        """Redraw the picture and the status line, if the controls exist."""
        if self._controls is None:
            return
        figure = Figure(figsize=(7, 3.4))
        self.draw(ax=figure.add_subplot())
        figure.tight_layout()
        _show_figure(figure, self._controls.image, dpi=90)
        self._refresh_status()

    def _refresh_status(self) -> None:
        real_d = self.discriminator(self.real[:2000]).mean()
        fake_d = self.discriminator(self.samples(2000)).mean()
        status = f"{self.label()} <br>mean D on real points {real_d:.3f}, on generated points {fake_d:.3f}"
        if self._frames_running:
            status = f"<b>Playing:</b> {self.steps_per_click} rounds a frame; pause stops it.<br>{status}"
        self._controls.status.value = status


# --- The 2-D playground ---------------------------------------------------------------------

# name -> (mode centres, std of each mode); all equal-weight Gaussian mixtures, so that mode
# coverage is defined for each.  "ring" and "grid" are the benchmark's (chapter 5).
PLAYGROUND_DATASETS: dict[str, tuple[np.ndarray, float]] = {
    "ring": (data.ring_centers(8, 1.0), 0.01),
    "grid": (data.grid_centers(5, 2.0), 0.05),
    "two modes": (np.array([[-1.0, 0.0], [1.0, 0.0]], np.float32), 0.1),
    "line": (np.stack([np.linspace(-2.0, 2.0, 5), np.zeros(5)], axis=1).astype(np.float32), 0.05),
    "wide ring": (data.ring_centers(6, 1.5), 0.15),
}
# The dataset the reader makes: equal-weight Gaussians arranged on a ring, a line or a square grid,
# from the settings "arrangement", "modes", "radius" and "std" (``custom_centers``).
CUSTOM = "custom"
CUSTOM_SETTINGS = ("arrangement", "modes", "radius", "std")
ARRANGEMENTS = ("ring", "line", "grid")
MAX_MODES = 36
# the stops of the custom dataset's radius and std sliders (a value set in code is added to them)
RADII = tuple(0.25 * k for k in range(1, 21))
STDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)


def custom_centers(arrangement: str, modes: int, radius: float) -> np.ndarray:
    """Centres of the custom dataset, shape (modes, 2), float32: ``modes`` points on a circle of
    ``radius``; or evenly on the x axis from -radius to radius; or on a square grid from -radius to
    radius on both axes (``modes`` a square number).  A single mode sits at 0 on the line and the grid."""
    arrangement = choice(arrangement, "arrangement", ARRANGEMENTS)
    modes = positive_int(modes, "modes")
    radius = positive_float(radius, "radius")
    if modes > MAX_MODES:
        raise ValueError(f"modes must be at most {MAX_MODES}, got {modes}")
    if arrangement == "ring":
        return data.ring_centers(modes, radius)
    if arrangement == "line":
        xs = np.linspace(-radius, radius, modes) if modes > 1 else np.zeros(1)
        return np.stack([xs, np.zeros(modes)], axis=1).astype(np.float32)
    side = math.isqrt(modes)
    if side * side != modes:
        squares = ", ".join(str(k * k) for k in range(1, math.isqrt(MAX_MODES) + 1))
        raise ValueError(f"a grid needs a square number of modes ({squares}), got {modes}; "
                         f"change the number of modes first")
    return data.grid_centers(side, 2 * radius / (side - 1) if side > 1 else radius)

# regulariser -> (the GAN.compile keyword its weight goes to, the default weight); "none" and
# "spectral_norm" take no weight.  "l2" decays both players' kernels.
REGULARIZERS: dict[str, tuple[str | None, float | None]] = {
    "none": (None, None),
    "r1": ("r1", 0.1),
    "r2": ("r2", 0.1),
    "gradient_penalty": ("gradient_penalty", 1.0),
    "clip_weights": ("clip_weights", 0.01),
    "instance_noise": ("instance_noise", 0.1),
    "label_smoothing": ("label_smoothing", 0.1),
    "l2": ("l2", 1e-4),
    "spectral_norm": (None, None),
}

_DEFAULT_SETTINGS: dict[str, Any] = {
    "dataset": "ring",
    "loss": "non_saturating",
    "regularizer": "none",
    "weight": None,
    "d_lr": 1e-3,
    "g_lr": 1e-3,
    "d_steps": 1,
    # the custom dataset's (used only with dataset="custom")
    "arrangement": "ring",
    "modes": 8,
    "radius": 1.0,
    "std": 0.05,
}
_REAL_POINTS = 10_000
_COVERAGE_SAMPLES = 2_500  # as in the sweep (chapter 5)
_HEAT_MAP_SIDE = 80
_ARROWS = 150


def playground(**settings: Any) -> Playground:
    """A 2-D GAN to play with in a notebook: returns a ``Playground``, which displays its controls.

    Keywords are ``Playground``'s (e.g. ``dataset="grid"``, ``regularizer="r1"``).
    """
    return Playground(**settings)


class Playground(_ContinuousRun):
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
    ``rounds_per_frame`` rounds at a time, until ``pause()`` (see the module's docstring).

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
        self.settings = self._checked({**_DEFAULT_SETTINGS, **settings}, settings)
        self._controls: Any = None
        self._syncing = False
        self._running: str | None = None  # what a button runs, while it runs
        self.reset()

    # --- settings ---

    def _checked(self, new: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - set(_DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown playground settings {sorted(unknown)}; known: {sorted(_DEFAULT_SETTINGS)}")
        new["dataset"] = choice(new["dataset"], "dataset", (*PLAYGROUND_DATASETS, CUSTOM))
        custom = [name for name in CUSTOM_SETTINGS if name in changes]
        if custom and new["dataset"] != CUSTOM:
            raise ValueError(f"{', '.join(custom)}: settings of the custom dataset only; choose dataset='custom' "
                             f"too (the dataset is {new['dataset']!r})")
        new["arrangement"] = choice(new["arrangement"], "arrangement", ARRANGEMENTS)
        new["modes"] = positive_int(new["modes"], "modes")
        new["radius"] = positive_float(new["radius"], "radius")
        new["std"] = positive_float(new["std"], "std")
        if new["dataset"] == CUSTOM:
            centers = custom_centers(new["arrangement"], new["modes"], new["radius"])
            if len(centers) > 1:
                gap = float(min(np.linalg.norm(centers[i] - centers[j])
                                for i in range(len(centers)) for j in range(i)))
                if new["std"] > gap / 6:
                    raise ValueError(
                        f"with std {new['std']:.3g} the modes ({gap:.3g} apart) overlap: each counts samples "
                        f"within 3 std, so std must be at most {gap / 6:.3g} here (fewer modes or a larger "
                        f"radius allow more)")
        new["loss"] = choice(new["loss"], "loss", losses.NAMES)
        new["regularizer"] = choice(new["regularizer"], "regularizer", tuple(REGULARIZERS))
        keyword, default = REGULARIZERS[new["regularizer"]]
        if keyword is None:
            new["weight"] = None
        elif new["weight"] is None or ("regularizer" in changes and "weight" not in changes):
            new["weight"] = default  # a newly chosen regulariser starts at its usual weight
        else:
            new["weight"] = positive_float(new["weight"], "weight")
            if new["regularizer"] == "label_smoothing" and new["weight"] >= 1:
                raise ValueError(f"the weight of label_smoothing (1 minus the real target) must be below 1, "
                                 f"got {new['weight']}")
        if new["regularizer"] == "label_smoothing" and new["loss"] not in ("minimax", "non_saturating"):
            raise ValueError(
                f"label_smoothing needs a cross-entropy loss (minimax, non_saturating), got {new['loss']!r}"
            )
        new["d_lr"] = positive_float(new["d_lr"], "d_lr")
        new["g_lr"] = positive_float(new["g_lr"], "g_lr")
        new["d_steps"] = positive_int(new["d_steps"], "d_steps")
        return new

    def configure(self, **changes: Any) -> None:
        """Change settings; the game goes on with them (see the class docstring for what resets)."""
        old = self.settings
        new = self._checked({**old, **changes}, changes)
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
        s = self.settings
        keyword, _ = REGULARIZERS[s["regularizer"]]
        if keyword is None:
            tricks = {}
        elif keyword == "l2":
            tricks = {"d_l2": s["weight"], "g_l2": s["weight"]}
        else:
            tricks = {keyword: s["weight"]}
        return recipes.Recipe(
            f"playground ({s['dataset']})",
            loss=s["loss"],
            d_lr=s["d_lr"],
            g_lr=s["g_lr"],
            beta_2=0.9,
            width=self.width,
            depth=self.depth,
            latent_dim=self.latent_dim,
            spectral_norm=s["regularizer"] == "spectral_norm",
            batch_size=self.batch_size,
            d_steps=s["d_steps"],
            source="the playground's settings",
            **tricks,
        )

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
        self.centers, self.std = self._mixture()
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

    def _mixture(self) -> tuple[np.ndarray, float]:
        """The data's mode centres and the std of each mode, from the settings."""
        s = self.settings
        if s["dataset"] == CUSTOM:
            return custom_centers(s["arrangement"], s["modes"], s["radius"]), s["std"]
        return PLAYGROUND_DATASETS[s["dataset"]]

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

    # --- the continuous run (_ContinuousRun's hooks) ---

    def _frame(self, rounds: int) -> None:
        self._run(rounds, self.settings["d_steps"], 1)

    def _after_frame(self, done: int, total: int | None) -> None:
        self._record_coverage()
        self._refresh()
        if total is not None:
            self._show_progress(done, total)

    def _stuck(self) -> bool:
        return self.diverged()

    def _per_frame(self) -> int:
        return self.rounds_per_frame

    def _set_per_frame(self, rounds: int) -> None:
        self.rounds_per_frame = rounds
        if self._controls is not None:
            _set_slider(self._controls.speed, rounds)

    def _show_playing(self, playing: bool) -> None:
        if self._controls is None:
            return
        c = self._controls
        self._syncing = True
        try:
            c.play.value = playing
            c.play.description = "pause" if playing else "play"
        finally:
            self._syncing = False
        for control in (c.step_d, c.step_g, c.step_both, c.train, c.rounds):
            control.disabled = playing
        self._show_status()

    def discriminator_map(self, side: int = _HEAT_MAP_SIDE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """D on a ``side`` x ``side`` grid over the plotted square: (x, y, values), values[i, j] at
        (x[i, j], y[i, j]).  A probability for the cross-entropy losses, else the raw critic value."""
        axis = np.linspace(-self.limit, self.limit, side, dtype=np.float32)
        grid_x, grid_y = np.meshgrid(axis, axis)
        points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
        values = self._discriminator_output(points).reshape(side, side)
        return grid_x, grid_y, values

    def _cross_entropy(self) -> bool:
        return self.settings["loss"] in ("minimax", "non_saturating")

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

    def _settings_text(self) -> str:
        s = self.settings
        regularizer = s["regularizer"] if s["weight"] is None else f"{s['regularizer']} {s['weight']:g}"
        dataset = s["dataset"]
        if dataset == CUSTOM:
            dataset = f"custom ({s['arrangement']} of {s['modes']}, radius {s['radius']:g}, std {s['std']:g})"
        return (f"{dataset}, {s['loss']}, {regularizer}, lr D {s['d_lr']:g} G {s['g_lr']:g}, "
                f"{s['d_steps']} D step(s) per G step")

    def _counts_text(self) -> str:
        return f"D updates {self.d_updates}, G updates {self.g_updates}"

    def label(self) -> str:
        """The settings and the update counts, on one line (the status line's start)."""
        return f"{self._settings_text()} | {self._counts_text()}"

    def title(self) -> str:
        """The figure's title: the settings wrapped to lines of at most 60 characters, then the
        counts on a line of their own, so that long settings are never cut off at the edges."""
        return "\n".join([*textwrap.wrap(self._settings_text(), 60), self._counts_text()])

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
        from IPython.display import display

        display(self.controls)

    @property
    def controls(self) -> Any:
        """The ipywidgets box: settings, buttons, a progress bar, a status line and the plots."""
        if self._controls is None:
            self._controls = self._build_controls()
            self._refresh()
        return self._controls.box

    @property
    def widgets(self) -> Any:
        """The individual widgets, built on first use: the settings ``dataset``, ``arrangement``,
        ``modes``, ``radius``, ``std`` (the custom dataset's, in the box ``custom``, shown only for it),
        ``loss``, ``regularizer``, ``weight``, ``d_lr``, ``g_lr``, ``d_steps``; ``rounds`` (N) and
        ``speed`` (rounds per frame of a continuous run); the buttons ``step_d``, ``step_g``,
        ``step_both``, ``train``, ``play`` (a toggle: play/pause) and ``reset``; and ``progress``,
        ``status``, ``image``.  ``settings`` lists the settings, N and the speed; ``buttons`` the buttons."""
        _ = self.controls
        return self._controls

    def _build_controls(self) -> Any:
        import ipywidgets as widgets  # imported here so that gan_lib works without ipywidgets

        class Controls:  # a plain namespace for the widgets, so tests can reach each one
            pass

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
        c.weight = _tip(_fitted(widgets.FloatLogSlider(value=s["weight"] or 0.1, base=10, min=-5, max=1, step=0.25,
                                                       description="weight", disabled=s["weight"] is None,
                                                       readout_format=".1e")),
                        "The regulariser's strength; off for a regulariser that takes none.")
        c.d_lr = _tip(_fitted(widgets.FloatLogSlider(value=s["d_lr"], base=10, min=-5, max=-1, step=0.25,
                                                     description="D learning rate", readout_format=".1e")),
                      "The discriminator's Adam learning rate.")
        c.g_lr = _tip(_fitted(widgets.FloatLogSlider(value=s["g_lr"], base=10, min=-5, max=-1, step=0.25,
                                                     description="G learning rate", readout_format=".1e")),
                      "The generator's Adam learning rate.")
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
        c.status = widgets.HTML()
        c.status.add_class(STATUS_CLASS)
        c.image = widgets.Image(format="png")
        c.buttons = [c.step_d, c.step_g, c.step_both, c.train, c.play, c.reset]
        c.settings = [c.dataset, c.arrangement, c.modes, c.radius, c.std, c.loss, c.regularizer, c.weight, c.d_lr,
                      c.g_lr, c.d_steps, c.rounds, c.speed]

        for name in ("dataset", *CUSTOM_SETTINGS, "loss", "regularizer", "weight", "d_lr", "g_lr", "d_steps"):
            getattr(c, name).observe(lambda change, name=name: self._on_setting(name, change["new"]), names="value")
        c.rounds.observe(self._on_rounds, names="value")
        c.speed.observe(lambda change: setattr(self, "rounds_per_frame", change["new"]), names="value")
        c.step_d.on_click(lambda _: self._reporting("one D step", self.step_discriminator))
        c.step_g.on_click(lambda _: self._reporting("one G step", self.step_generator))
        c.step_both.on_click(lambda _: self._reporting("one round of D and G steps", self.step_both))
        c.train.on_click(lambda _: self._reporting(f"training {c.rounds.value} steps", self.train, c.rounds.value))
        c.play.observe(self._on_play, names="value")
        c.reset.on_click(lambda _: self._reporting("reset", self.reset))
        row = widgets.Layout(flex_flow="row wrap")
        column = [dataset_row, c.custom, loss_row, regularizer_row, c.weight, c.d_lr, c.g_lr, c.d_steps,
                  widgets.Box([c.step_d, c.step_g, c.step_both], layout=row),
                  widgets.Box([c.rounds, c.train], layout=row), c.speed, widgets.Box([c.play, c.reset], layout=row),
                  c.progress, c.status]
        c.box = _column_and_picture(widgets, column, c.image)
        return c

    def _on_play(self, change: dict[str, Any]) -> None:
        """The play button pressed (play) or released (pause) by the reader."""
        if self._syncing:
            return
        if not change["new"]:
            self.pause()
            return
        try:
            self.play()
        except (RuntimeError, ValueError) as error:  # e.g. still finishing the last frame of a run
            self._show_playing(self._frames_running)
            self._controls.status.value = f"<b>Not started:</b> {error}"

    def _reporting(self, what: str, action: Callable[..., None], *args: Any) -> None:
        """Run a button's action with every button and setting disabled and the status line saying what
        runs; an error goes to the status line (ipywidgets would hide it in a log)."""
        c = self._controls
        for control in (*c.buttons, *c.settings):
            control.disabled = True
        self._running = what
        self._show_status()
        failed = False
        try:
            action(*args)
        except Exception as error:  # noqa: BLE001 - any failure is shown to the reader, not swallowed
            failed = True
            c.status.value = f"<b>Error:</b> {type(error).__name__}: {error}"
        finally:
            self._running = None
            if not failed:
                self._show_status()  # first, so that "Running" never shows beside enabled buttons
            for control in (*c.buttons, *c.settings):
                control.disabled = False
            self._sync_controls()  # the weight's slider stays disabled where the regulariser takes none
            if self._frames_running:  # a reset pauses, but the run's last frame is still to end
                self._show_playing(True)

    def _on_setting(self, name: str, value: Any) -> None:
        if self._syncing or self.settings[name] == value:
            return
        try:
            self.configure(**{name: value})
        except ValueError as error:
            self._sync_controls()  # back to the settings in force
            self._controls.status.value = f"<b>Not applied:</b> {error}"

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
            for name in ("modes", "radius", "std", "d_lr", "g_lr", "d_steps"):
                _set_slider(getattr(c, name), s[name])
            c.custom.layout.display = None if s["dataset"] == CUSTOM else "none"  # shown for the custom data only
            c.weight.disabled = s["weight"] is None
            if s["weight"] is not None:
                _set_slider(c.weight, s["weight"])
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

    def _show_status(self) -> None:
        scores = self.coverage_history
        status = (
            f"{self.label()} <br>modes {scores['modes'][-1]} of {len(self.centers)}, "
            f"high quality {100 * scores['high_quality'][-1]:.1f}%"
        )
        if self.diverged():
            status = f"<b>Diverged:</b> a weight is NaN or infinite; press reset.<br>{status}"
        if self._running is not None:
            status = f"<b>Running:</b> {self._running} ...<br>{status}"
        elif self._frames_running:
            status = f"<b>Playing:</b> {self.rounds_per_frame} rounds a frame; pause stops it.<br>{status}"
        self._controls.status.value = status
