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
