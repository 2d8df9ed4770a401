"""What the two interactive games share: their layout, their controls' helpers, the PNG picture,
the status line, and play/pause.

``gan_lib.game_1d.OneDimensionalGame`` and ``gan_lib.playground_2d.Playground`` are both an
``InteractiveGame``: a game with plain methods (so tests and the static book drive it without a
browser) and, built on first use, ipywidgets controls that call those methods.

What the front end shows, with the library's defaults and no CSS to tune: the controls in a
narrow column on the left and the picture on its right (below them where the page is too
narrow), so that a click and the picture it redraws are on the screen together.  The picture
is a PNG drawn at twice its displayed size, shown at exactly that size (sharp on high-DPI
screens, never stretched).  While a button's action runs, every button and setting is disabled
and the status line says what is running; the status line wraps within the column.  Every
control has a tooltip saying what it does.

Both games also *play*: a play/pause button trains continuously, a frame at a time (a
frame: some rounds of D and G steps, then a redraw), until it is pressed again.  The frames
run as a task on the kernel's own asyncio event loop, which Jupyter, Voilà and Colab all run
Python code on, and the task gives the loop back between frames: the kernel then handles
the clicks and setting changes that came in meanwhile (pause among them), one frame at most
after they were made.  So a new loss or learning rate applies to a game while it plays.
``play(rounds)`` and ``pause()`` are the same actions in code.  (ipywidgets' ``Play`` widget
would tick from the browser at its own pace: ticks would queue up behind frames slower than
its interval and go on being trained after pause; nor could code or tests drive it.)

This module imports nothing from the games above it; ipywidgets is imported only when a game's
controls are first built.
"""

from __future__ import annotations

import asyncio
import html
import io
import struct
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from gan_lib._checks import positive_int

# The PNG has this many pixels per displayed pixel: sharp on high-DPI (2x) screens, and shown at
# exactly half its size elsewhere, never stretched by the page.
PIXEL_RATIO = 2
_COLUMN = "290px"  # the controls' column, left of the picture
_CONTROL = "284px"  # a control in that column: its width less ipywidgets' margins (2 px each side)
_LABEL = "128px"  # the width of a control's description within that column
_VALUE_BOX = "76px"  # the box beside a slider that shows and takes its exact value
STATUS_CLASS = "gan-lib-status"  # the status line's CSS class, by which a page test finds it
# The status line's text wraps within the column (ipywidgets gives an HTML widget a default width
# wider than the column, and lines of the height of a control).
_STATUS_STYLE = "white-space: normal; overflow-wrap: anywhere; line-height: 1.4"

# Between two frames of a continuous run, the event loop gets this long (seconds) to handle the
# clicks that came in and to send the new picture out.
_FRAME_GAP = 0.05
# The speed control's stops: rounds of D and G steps per frame of a continuous run.
SPEEDS = (1, 2, 5, 10, 25, 50, 100, 250, 500)


def _px(width: str) -> int:
    return int(width.removesuffix("px"))


def _tip(widget: Any, text: str) -> Any:
    """Give ``widget`` a tooltip (shown on hover): ``tooltip`` in ipywidgets 8 (and on buttons in 7),
    ``description_tooltip`` on ipywidgets 7's other controls."""
    setattr(widget, "tooltip" if widget.has_trait("tooltip") else "description_tooltip", text)
    return widget


def tooltip(widget: Any) -> str:
    """The tooltip of an ipywidgets control, as ``_tip`` set it (empty if none)."""
    for name in ("tooltip", "description_tooltip"):
        if widget.has_trait(name) and getattr(widget, name):
            return getattr(widget, name)
    return ""


def _set_slider(slider: Any, value: float) -> None:
    """Set ``slider`` to ``value``, first widening its range to take it: a slider would clamp a value
    outside its range, and so show another value than the one in force.  A selection slider gets the
    value among its options."""
    if hasattr(slider, "options"):
        if value not in slider.options:
            slider.options = sorted({*slider.options, value})
        slider.value = value
        return
    if value < slider.min:
        slider.min = value
    if value > slider.max:
        slider.max = value
    slider.value = value


def _dropdown(widgets: Any, description: str, tip: str, **kwargs: Any) -> tuple[Any, Any]:
    """A Dropdown for the controls' column and the row that shows it: (dropdown, row).

    ipywidgets 8 shows no tooltip on a Dropdown that has a description (jupyter-widgets/ipywidgets
    issue 3964), and 7 none on a Dropdown at all.  So the Dropdown has no description (8 then puts the
    tooltip on the menu itself), and the row puts the description beside it as a label of its own
    that carries the tooltip too, in every front end."""
    dropdown = _tip(widgets.Dropdown(**kwargs), tip)
    label = widgets.HTML(f'<div title="{html.escape(tip)}" style="text-align: right">{html.escape(description)}</div>',
                         layout=widgets.Layout(width=f"{_px(_LABEL) - 8}px", margin="2px 8px 2px 2px"))
    dropdown.layout.width = f"{_px(_CONTROL) - _px(_LABEL) - 4}px"
    return dropdown, widgets.HBox([label, dropdown])


def _slider_and_value(widgets: Any, description: str, tip: str, stops: tuple[float, ...],
                      value: float) -> tuple[Any, Any, Any]:
    """A setting that takes any positive number: a slider over ``stops`` to drag, and beside it a box
    that shows the exact value and takes a typed one.  Returns (box, slider, row).

    A float slider's front end moves a value onto its grid of steps (a log slider with step 0.25
    shows 3e-4 as 10**-3.5 = 3.16e-4), so the slider is a selection over the stops, with a value set
    in code or typed added to them: what it shows is the setting, exactly."""
    slider = _tip(widgets.SelectionSlider(options=sorted({*stops, value}), value=value, description=description,
                                          readout=False), tip)
    slider.layout.width = f"{_px(_CONTROL) - _px(_VALUE_BOX) - 4}px"
    slider.style.description_width = _LABEL
    box = _tip(widgets.FloatText(value=value, layout={"width": _VALUE_BOX}),
               f"{tip.removesuffix('.')} (type any value).")
    return box, slider, widgets.HBox([slider, box])


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


class Controls:
    """A plain namespace for a game's widgets, so that tests can reach each one.

    Every game's has ``box`` (all of it), ``status`` and ``image``, ``play`` (the play/pause toggle),
    ``buttons`` and ``settings`` (what a running button's action disables)."""


def _status_and_image(widgets: Any, c: Controls) -> None:
    """The status line (wrapping within the column) and the picture, both games' alike."""
    c.status = widgets.HTML(layout=widgets.Layout(width=_CONTROL))
    c.status.add_class(STATUS_CLASS)
    c.image = widgets.Image(format="png")


class InteractiveGame:
    """Play, pause and the controls' common behaviour, for a game that trains and redraws a frame at a time.

    A game defines ``_frame(rounds)`` (train that many rounds), ``_after_frame(done, total)`` (redraw),
    ``_stuck()`` (True when playing on cannot help, e.g. after a divergence), ``_build_controls()``,
    ``_refresh()`` (redraw the picture and the status line), ``_status()`` (the status line's text)
    and ``_locked_while_playing()`` (the controls that a run disables); ``_speed`` names the attribute
    that holds the rounds per frame and the control that shows it.
    """

    _speed: tuple[str, str]  # (the game's attribute: rounds per frame, the control that shows it)
    _controls: Any = None
    _syncing = False  # True while the code, not the reader, sets the controls
    _running: str | None = None  # what a button runs, while it runs
    _task: asyncio.Task | None = None
    _stop_requested = False
    _frames_running = False  # from play() until its last frame is drawn: what the controls show

    # --- play and pause ---

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

    def _per_frame(self) -> int:
        return getattr(self, self._speed[0])

    def _set_per_frame(self, rounds: int) -> None:
        setattr(self, self._speed[0], rounds)
        if self._controls is not None:
            _set_slider(getattr(self._controls, self._speed[1]), rounds)

    # defaults for the hooks that only matter with controls
    def _stuck(self) -> bool:
        return False

    def _after_frame(self, done: int, total: int | None) -> None:
        pass

    def _sync_controls(self) -> None:
        """Make the controls show the settings in force (a game with settings to show overrides this)."""

    # --- the widgets ---

    @property
    def controls(self) -> Any:
        """The ipywidgets box: the controls in a column, the picture beside them (built on first use)."""
        if self._controls is None:
            self._controls = self._build_controls()
            self._refresh()
        return self._controls.box

    @property
    def widgets(self) -> Controls:
        """The individual widgets (see the game's ``_build_controls``), built on first use."""
        _ = self.controls
        return self._controls

    def _set_status(self, text: str) -> None:
        """Put ``text`` (HTML) into the status line, wrapping within the column."""
        self._controls.status.value = f'<div style="{_STATUS_STYLE}">{text}</div>'

    def _show_error(self, error: BaseException) -> None:
        if self._controls is not None:
            self._set_status(f"<b>Error:</b> {type(error).__name__}: {error}")

    def _show_status(self) -> None:
        """The status line: what runs or plays, if anything, then the game's ``_status()``."""
        status = self._status()
        if self._running is not None:
            status = f"<b>Running:</b> {self._running} ...<br>{status}"
        elif self._frames_running:
            status = f"<b>Playing:</b> {self._per_frame()} rounds a frame; pause stops it.<br>{status}"
        self._set_status(status)

    def _show_playing(self, playing: bool) -> None:
        """The play button shows pause while a run plays; the controls that a run would contend with
        are disabled meanwhile."""
        if self._controls is None:
            return
        c = self._controls
        self._syncing = True
        try:
            c.play.value = playing
            c.play.description = "pause" if playing else "play"
        finally:
            self._syncing = False
        for control in self._locked_while_playing():
            control.disabled = playing
        self._show_status()

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
            self._set_status(f"<b>Not started:</b> {error}")

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
            self._show_error(error)
        finally:
            self._running = None
            if not failed:
                self._show_status()  # first, so that "Running" never shows beside enabled buttons
            for control in (*c.buttons, *c.settings):
                control.disabled = False
            self._sync_controls()  # e.g. a setting that stays disabled
            if self._frames_running:  # a reset pauses, but the run's last frame is still to end
                self._show_playing(True)
