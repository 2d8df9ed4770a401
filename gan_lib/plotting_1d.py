"""Matplotlib pictures of 1-D GANs: densities on the line, and the discriminator's curve D(x) over them.

Chapters 1 and 2 and the 1-D game (``gan_lib.game_1d``) draw with these; ``gan_lib.plotting``
re-exports every public name here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


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
