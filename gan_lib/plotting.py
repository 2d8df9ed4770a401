"""Matplotlib figures that the chapters share.

Every function draws on a given axes (or makes one) and returns the figure or axes,
so a chapter can place it in a grid of its own or show it alone.

Here: 2-D samples and their snapshots, the training history, the Dirac-GAN's paths and field,
coverage over training, and the playground's panels.  The pictures of images
(``plotting_images``) and of 1-D GANs (``plotting_1d``) have modules of their own and are
re-exported here, so every figure is ``gl.plotting.<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from gan_lib import dirac
from gan_lib.plotting_1d import (  # noqa: F401 - re-exported
    discriminators_on_the_line,
    line_game,
    line_game_snapshots,
)
from gan_lib.plotting_images import (  # noqa: F401 - re-exported
    curve_bands,
    image_grid,
    image_mosaic,
    losses_and_fid,
    save_gif,
    training_animation,
)


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
    rule: str,
    *,
    ax: plt.Axes | None = None,
    limit: float = 2.0,
    paths: Mapping[str, np.ndarray] | None = None,
    title: str | None = None,
    **params: float,
) -> plt.Axes:
    """Stream plot of the Dirac-GAN's gradient field under the update ``rule`` on [-limit, limit]^2.

    ``params`` go to ``gan_lib.dirac.vector_field`` (``gamma`` for r1, ...); ``paths``, if
    given, are drawn on top with ``trajectories``.
    """
    if not limit > 0:
        raise ValueError(f"limit must be > 0, got {limit!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    grid = np.linspace(-limit, limit, 41)
    theta, psi = np.meshgrid(grid, grid)
    theta_dot, psi_dot = dirac.vector_field(theta, psi, rule, **params)
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
    ax.set_title(title or rule)
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
