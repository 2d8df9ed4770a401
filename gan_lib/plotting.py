"""Matplotlib figures that the chapters share.

Every function draws on a given axes (or makes one) and returns the figure or axes,
so a chapter can place it in a grid of its own or show it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.ticker import MaxNLocator

from gan_lib import dirac


def samples(
    points: np.ndarray,
    centers: np.ndarray | None = None,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
    limit: float | None = None,
) -> plt.Axes:
    """Scatter 2-D samples, with the true mode centres as red crosses."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.4, color="tab:blue", label="generated")
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="tab:red", label="true modes")
        if limit is None:
            limit = 1.5 * float(np.max(np.abs(centers)))
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def snapshots(
    steps: Sequence[int],
    sample_sets: Sequence[np.ndarray],
    centers: np.ndarray | None = None,
    *,
    columns: int = 4,
    limit: float | None = None,
) -> plt.Figure:
    """Small multiples: one ``samples`` panel per snapshot, titled with its step."""
    if len(steps) != len(sample_sets) or len(steps) == 0:
        raise ValueError("steps and sample_sets must be non-empty and of the same length")
    rows = int(np.ceil(len(steps) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.ravel()[len(steps) :]:
        ax.axis("off")
    for ax, step, points in zip(axes.ravel(), steps, sample_sets):
        samples(points, centers, ax=ax, title=f"step {step}", limit=limit)
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    return figure


def history(logs: Mapping[str, Sequence[float]], *, steps: Sequence[int] | None = None) -> plt.Figure:
    """Two panels: the players' losses, and the mean of D on real and on generated points.

    ``logs`` is a Keras ``History.history`` dict (or any mapping with the keys
    d_loss, g_loss, d_real, d_fake); ``steps`` labels the x axis, default the epoch.
    """
    missing = {"d_loss", "g_loss", "d_real", "d_fake"} - set(logs)
    if missing:
        raise ValueError(f"logs is missing {sorted(missing)}")
    x = np.arange(1, len(logs["d_loss"]) + 1) if steps is None else np.asarray(steps)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.plot(x, logs["d_loss"], label="discriminator loss")
    left.plot(x, logs["g_loss"], label="generator loss")
    left.axhline(2 * np.log(2), color="gray", ls=":", label="2 log 2 (D = 1/2 everywhere)")
    left.set_title("losses")
    right.plot(x, logs["d_real"], label="mean D(x), real")
    right.plot(x, logs["d_fake"], label="mean D(G(z)), generated")
    right.axhline(0.5, color="gray", ls=":")
    right.set_ylim(0, 1)
    right.set_title("discriminator outputs")
    for ax in (left, right):
        ax.set_xlabel("training step" if steps is not None else "epoch")
        ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


# --- Images: a grid of samples, and an animation of the grid over training.


def image_mosaic(images: np.ndarray, *, columns: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile a batch of images in [-1, 1] into one array in [0, 1], ``pad`` pixels of 0.5 between tiles.

    ``images`` has shape (n, height, width), (n, height, width, 1) or (n, height, width, 3);
    the result is (rows*height + (rows+1)*pad, columns*width + (columns+1)*pad[, 3]).
    ``columns`` defaults to the smallest number giving a square-ish grid.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3) or len(images) == 0:
        raise ValueError(f"images must have shape (n, height, width[, 1 or 3]), got {images.shape}")
    n, height, width = images.shape[:3]
    columns = int(np.ceil(np.sqrt(n))) if columns is None else columns
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns <= 0:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    rows = int(np.ceil(n / columns))
    shape = (rows * height + (rows + 1) * pad, columns * width + (columns + 1) * pad, *images.shape[3:])
    mosaic = np.full(shape, 0.5, dtype=np.float32)
    tiles = np.clip((images + 1.0) / 2.0, 0.0, 1.0)  # [-1, 1], the generator's tanh range, onto [0, 1]
    for k, tile in enumerate(tiles):
        top = pad + (k // columns) * (height + pad)
        left = pad + (k % columns) * (width + pad)
        mosaic[top : top + height, left : left + width] = tile
    return mosaic


def image_grid(
    images: np.ndarray,
    *,
    columns: int | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
) -> plt.Axes:
    """Show a batch of images in [-1, 1] as one grid (``image_mosaic``), ink dark on light paper.

    Grey images use ``cmap`` (default gray_r: -1 is white, 1 is black); colour images ignore it.
    """
    mosaic = image_mosaic(images, columns=columns)
    if ax is None:
        height, width = mosaic.shape[:2]
        scale = 5.0 / max(height, width)
        _, ax = plt.subplots(figsize=(max(width * scale, 1.0), max(height * scale, 1.0)))
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def training_animation(
    steps: Sequence[int],
    image_sets: Sequence[np.ndarray],
    *,
    columns: int | None = None,
    interval: int = 400,
    cmap: str = "gray_r",
):
    """An animation of generated images over training: one frame per snapshot, titled with its step.

    ``steps`` and ``image_sets`` are what ``gan_lib.training.Snapshots`` records; use the same
    noise for every snapshot, so each tile follows one noise vector through training.
    Returns a ``matplotlib.animation.FuncAnimation``: in a notebook show it with
    ``IPython.display.HTML(animation.to_jshtml())``; write a GIF with ``save_gif``.
    The figure is closed, so the notebook does not also show a still of the first frame.
    """
    if len(steps) != len(image_sets) or len(steps) == 0:
        raise ValueError("steps and image_sets must be non-empty and of the same length")
    mosaics = [image_mosaic(images, columns=columns) for images in image_sets]
    if len({m.shape for m in mosaics}) != 1:
        raise ValueError("every entry of image_sets must hold the same number of images of the same shape")
    height, width = mosaics[0].shape[:2]
    scale = 4.0 / max(height, width)
    figure, ax = plt.subplots(figsize=(max(width * scale, 1.0), max(height * scale, 1.0) + 0.4))
    shown = ax.imshow(mosaics[0], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    title = ax.set_title(f"step {steps[0]}")

    def draw(frame: int):
        shown.set_data(mosaics[frame])
        title.set_text(f"step {steps[frame]}")
        return shown, title

    movie = animation.FuncAnimation(figure, draw, frames=len(mosaics), interval=interval, blit=False)
    plt.close(figure)
    return movie


def save_gif(movie, path: str, *, fps: int = 3) -> str:
    """Write an animation (``training_animation``) to ``path`` as a GIF with Pillow; returns the path."""
    if not str(path).lower().endswith(".gif"):
        raise ValueError(f"path must end in .gif, got {path!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, np.integer)) or fps <= 0:
        raise ValueError(f"fps must be a positive integer, got {fps!r}")
    movie.save(str(path), writer=animation.PillowWriter(fps=int(fps)))
    return str(path)
# --- 1-D pictures: densities on the line and the discriminator's curve D(x) over them ---


def _discriminator_axis(ax: plt.Axes) -> plt.Axes:
    """A right-hand axis from 0 to 1 for D(x), with a dotted line at 1/2."""
    d_ax = ax.twinx()
    d_ax.set_ylim(0, 1)
    d_ax.axhline(0.5, color="gray", ls=":", lw=1)
    d_ax.set_ylabel("D(x)", color="tab:red")
    return d_ax


def line_game(
    x: np.ndarray,
    d_values: np.ndarray,
    fake: np.ndarray,
    *,
    data_density: np.ndarray | None = None,
    real: np.ndarray | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    bins: int = 80,
) -> plt.Axes:
    """One moment of a 1-D GAN: the real density, a histogram of generated points, and D(x).

    Args:
        x: evenly spaced points on the line where ``d_values`` (and ``data_density``) are given.
        d_values: the discriminator's probability D(x) at ``x``, drawn in red on a 0..1 axis.
        fake: generated points (any shape; flattened), drawn as a density histogram over ``x``'s range.
        data_density: the real density at ``x``, drawn as a filled curve; if None, ``real`` is
            drawn as a histogram instead.
        real: real points, used only when ``data_density`` is None.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    d_values = np.asarray(d_values, dtype=np.float64).ravel()
    if x.shape != d_values.shape or x.size < 2:
        raise ValueError(f"x and d_values must be 1-D and of the same length, got {x.shape} and {d_values.shape}")
    if data_density is None and real is None:
        raise ValueError("give data_density or real")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    edges = np.linspace(x[0], x[-1], bins + 1)
    if data_density is not None:
        ax.fill_between(x, np.asarray(data_density).ravel(), color="0.75", label="real density")
    else:
        ax.hist(np.asarray(real).ravel(), bins=edges, density=True, color="0.75", label="real data")
    ax.hist(np.asarray(fake).ravel(), bins=edges, density=True, histtype="step", lw=1.5, color="tab:blue",
            label="generated")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("density")
    d_ax = _discriminator_axis(ax)
    d_ax.plot(x, d_values, color="tab:red", lw=1.5, label="D(x)")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def line_game_snapshots(
    frames: Sequence[Mapping[str, object]],
    *,
    data_density: np.ndarray | None = None,
    real: np.ndarray | None = None,
    columns: int = 4,
) -> plt.Figure:
    """Small multiples of ``line_game``: one panel per frame, with the same ``data_density`` or ``real``.

    Each frame is a mapping with the keys ``x``, ``d_values``, ``fake`` and ``title``
    (``OneDimensionalGame.snapshot`` returns such a mapping).
    """
    if not frames:
        raise ValueError("frames must not be empty")
    rows = int(np.ceil(len(frames) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.ravel()[len(frames) :]:
        ax.axis("off")
    for ax, frame in zip(axes.ravel(), frames):
        line_game(frame["x"], frame["d_values"], frame["fake"], data_density=data_density, real=real, ax=ax,
                  title=str(frame.get("title", "")))
    handles = [
        plt.Rectangle((0, 0), 1, 1, color="0.75"),
        plt.Line2D([], [], color="tab:blue"),
        plt.Line2D([], [], color="tab:red"),
    ]
    figure.legend(handles, ["real density", "generated (histogram)", "D(x), right axis"], loc="lower center",
                  ncol=3, frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return figure


def discriminators_on_the_line(
    x: np.ndarray,
    p_data: np.ndarray,
    p_g: np.ndarray,
    curves: Mapping[str, np.ndarray],
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Two known densities (filled) and one or more discriminator curves D(x) on a 0..1 axis.

    ``curves`` maps a label to D at ``x``; the first is drawn solid, the others dashed,
    so a learned D can be laid over the optimal D*.
    """
    if not curves:
        raise ValueError("curves must name at least one discriminator")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    ax.fill_between(x, p_data, color="0.75", alpha=0.8, label="p_data")
    ax.fill_between(x, p_g, color="tab:blue", alpha=0.3, label="p_g")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("density")
    d_ax = _discriminator_axis(ax)
    colors = ["tab:red", "black", "tab:green", "tab:purple"]
    for i, (label, values) in enumerate(curves.items()):
        d_ax.plot(x, values, color=colors[i % len(colors)], lw=2 if i == 0 else 1.5, ls="-" if i == 0 else "--",
                  label=label)
    lines, labels = ax.get_legend_handles_labels()
    d_lines, d_labels = d_ax.get_legend_handles_labels()
    ax.legend(lines + d_lines, labels + d_labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=len(labels) + len(d_labels), frameon=False)
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------------
# Chapters 4 and 5: the Dirac-GAN's dynamics and coverage over training.


def trajectories(paths: Mapping[str, np.ndarray], *, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Paths in the (theta, psi) plane of the Dirac-GAN, e.g. from ``gan_lib.dirac.simulate``.

    Each path is an (steps + 1, 2) array, drawn as a line from a dot (its start); the
    equilibrium (0, 0) is a black star.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    for label, path in paths.items():
        path = np.asarray(path)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {label!r} must have shape (steps, 2), got {path.shape}")
        (line,) = ax.plot(path[:, 0], path[:, 1], lw=1.2, label=label)
        ax.plot(path[0, 0], path[0, 1], "o", color=line.get_color(), ms=4)
    ax.plot(0.0, 0.0, "*", color="black", ms=10, label="equilibrium")
    ax.set_xlabel(r"generator $\theta$")
    ax.set_ylabel(r"discriminator $\psi$")
    ax.legend(fontsize=7, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def dirac_field(
    method: str,
    *,
    ax: plt.Axes | None = None,
    limit: float = 2.0,
    paths: Mapping[str, np.ndarray] | None = None,
    title: str | None = None,
    **params: float,
) -> plt.Axes:
    """Stream plot of the Dirac-GAN's gradient field for ``method`` on [-limit, limit]^2.

    ``params`` go to ``gan_lib.dirac.vector_field`` (``gamma`` for r1, ...); ``paths``, if
    given, are drawn on top with ``trajectories``.
    """
    if not limit > 0:
        raise ValueError(f"limit must be > 0, got {limit!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    grid = np.linspace(-limit, limit, 41)
    theta, psi = np.meshgrid(grid, grid)
    theta_dot, psi_dot = dirac.vector_field(theta, psi, method, **params)
    speed = np.hypot(theta_dot, psi_dot)
    ax.streamplot(grid, grid, theta_dot, psi_dot, color=speed, cmap="Greys", density=0.9, linewidth=0.8)
    if paths:
        trajectories(paths, ax=ax)
    else:
        ax.plot(0.0, 0.0, "*", color="black", ms=10)
        ax.set_xlabel(r"generator $\theta$")
        ax.set_ylabel(r"discriminator $\psi$")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_title(title or method)
    return ax


def coverage_over_time(
    steps: Sequence[int],
    curves: Mapping[str, Sequence[float]],
    *,
    ax: plt.Axes | None = None,
    ylabel: str = "modes covered",
    total: float | None = None,
) -> plt.Axes:
    """One line per curve (e.g. modes covered, per method) against training steps.

    ``total``, if given, is drawn as a dotted line (e.g. the number of modes of the data).
    """
    steps = np.asarray(steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.shape != steps.shape:
            raise ValueError(f"curve {label!r} has {values.shape} values for {steps.shape} steps")
        ax.plot(steps, values, marker="o", ms=3, label=label)
    if total is not None:
        ax.axhline(total, color="gray", ls=":", label=f"all ({total:g})")
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def playground_panels(
    *,
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    d_values: np.ndarray,
    d_label: str,
    fake: np.ndarray,
    centers: np.ndarray,
    arrow_points: np.ndarray,
    arrows: np.ndarray,
    losses: Mapping[str, Sequence[float]],
    coverage: Mapping[str, Sequence[float]],
    n_modes: int,
    title: str = "",
    figure: plt.Figure | None = None,
) -> plt.Figure:
    """The playground's panels (``gan_lib.widgets.Playground``), from plain arrays.

    Top left: generated samples over the true modes, on D's heat map. Top right: the
    direction the generator's loss pushes each of ``arrow_points`` (``arrows``), on D's
    contours. Bottom left: the losses against the number of updates. Bottom right: the mode
    coverage and, if ``coverage`` holds ``"reverse_kl"``, the reverse KL below it (a fifth
    panel sharing its axis of updates).  ``losses`` and ``coverage`` each hold an
    ``"updates"`` sequence and one curve per other key.
    """
    if figure is None:
        figure = plt.figure(figsize=(9.5, 7))
    divergence = "reverse_kl" in coverage
    grid = figure.add_gridspec(2, 2)
    axes = np.empty((2, 2), dtype=object)
    for row, column in ((0, 0), (0, 1), (1, 0)):
        axes[row, column] = figure.add_subplot(grid[row, column])
    if divergence:
        right = grid[1, 1].subgridspec(2, 1, hspace=0.08, height_ratios=(3, 2))
        axes[1, 1] = figure.add_subplot(right[0])
        kl_ax = figure.add_subplot(right[1], sharex=axes[1, 1])
    else:
        axes[1, 1] = figure.add_subplot(grid[1, 1])
    extent = (grid_x.min(), grid_x.max(), grid_y.min(), grid_y.max())
    heat = axes[0, 0].imshow(d_values, origin="lower", extent=extent, cmap="YlGn", aspect="equal")
    figure.colorbar(heat, ax=axes[0, 0], fraction=0.046, pad=0.04, label=d_label)
    samples(fake, centers, ax=axes[0, 0], title="samples over the true modes", limit=float(grid_x.max()))
    axes[0, 0].legend(loc="lower left", fontsize=7, markerscale=1.5)

    ax = axes[0, 1]
    finite = np.isfinite(d_values)
    if finite.any() and np.ptp(d_values[finite]) > 0:  # contour needs a finite, non-constant surface
        ax.contour(grid_x, grid_y, d_values, levels=8, cmap="YlGn", linewidths=0.8)
    ax.scatter(centers[:, 0], centers[:, 1], s=40, marker="x", color="tab:red")
    ax.scatter(arrow_points[:, 0], arrow_points[:, 1], s=6, color="tab:blue")
    lengths = np.linalg.norm(arrows, axis=1)
    lengths = lengths[np.isfinite(lengths)]
    longest = float(lengths.max()) if lengths.size and lengths.max() > 0 else 1.0
    # The longest arrow spans a sixth of the panel: only directions and relative sizes matter.
    scale = longest / ((grid_x.max() - grid_x.min()) / 6)
    ax.quiver(arrow_points[:, 0], arrow_points[:, 1], arrows[:, 0], arrows[:, 1], angles="xy",
              scale_units="xy", scale=scale, width=0.004, color="black")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_title("where the generator's loss pushes its samples")

    ax = axes[1, 0]
    for name, values in losses.items():
        if name == "updates" or len(values) == 0:
            continue
        values = np.asarray(values, dtype=float)
        line = ax.plot(losses["updates"], values, lw=0.6, alpha=0.35)[0]
        # A running mean over a fiftieth of the curve shows the trend through the noise; NaN
        # (a player that did not move in that round) is left out of it.
        window = max(1, len(values) // 50)
        seen = np.isfinite(values)
        kernel = np.ones(window)
        sums = np.convolve(np.where(seen, values, 0.0), kernel, mode="same")
        counts = np.convolve(seen.astype(float), kernel, mode="same")
        with np.errstate(invalid="ignore", divide="ignore"):
            ax.plot(losses["updates"], sums / counts, lw=1.5, color=line.get_color(), label=name)
    ax.set_xlabel("updates (D and G steps)")
    ax.set_title("losses")
    if ax.lines:
        ax.legend(fontsize=8)

    ax = axes[1, 1]
    ax.plot(coverage["updates"], coverage["modes"], marker="o", ms=3, color="tab:green", label="modes covered")
    ax.axhline(n_modes, color="gray", ls=":", label=f"all ({n_modes})")
    ax.set_ylim(-0.5, n_modes + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # modes are counted: no 2.5 on the axis
    ax.set_ylabel("modes")
    quality = ax.twinx()
    quality.plot(coverage["updates"], 100 * np.asarray(coverage["high_quality"], dtype=float), color="tab:purple",
                 lw=1, label="high quality (%)")
    quality.set_ylim(-2, 102)
    quality.set_ylabel("high quality (%)")
    lines = ax.get_legend_handles_labels()[0] + quality.get_legend_handles_labels()[0]
    ax.legend(lines, [line.get_label() for line in lines], fontsize=7 if divergence else 8, loc="center right")
    ax.set_title("mode coverage (2,500 samples)")
    if divergence:
        ax.tick_params(labelbottom=False)
        _reverse_kl_panel(kl_ax, coverage["updates"], coverage["reverse_kl"], n_modes)
    else:
        ax.set_xlabel("updates (D and G steps)")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def _reverse_kl_panel(ax: plt.Axes, updates: Sequence[int], reverse_kl: Sequence[float], n_modes: int) -> None:
    """The reverse KL of the high-quality samples' mode histogram from the uniform one, over training:
    0 when every mode gets its share, log(modes) when one mode takes every high-quality sample.
    Where no sample is high quality the divergence is undefined (inf) and the curve has a gap."""
    values = np.asarray(reverse_kl, dtype=float)
    values = np.where(np.isfinite(values), values, np.nan)
    ax.plot(updates, values, marker="o", ms=3, color="tab:orange", label="reverse KL")
    ceiling = float(np.log(n_modes))
    if n_modes > 1:
        ax.axhline(ceiling, color="gray", ls=":", label="one mode only")
    ax.set_ylim(-0.05 * max(ceiling, 0.1), 1.1 * max(ceiling, 0.1))
    ax.set_ylabel("reverse KL\n(nats)")
    ax.set_xlabel("updates (D and G steps)")
    ax.legend(fontsize=7, loc="best")
