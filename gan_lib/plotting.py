"""Matplotlib figures that the chapters share.

Every function draws on a given axes (or makes one) and returns the figure or axes,
so a chapter can place it in a grid of its own or show it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


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
    from gan_lib import dirac  # the plotting layer sits on top of every other module

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
