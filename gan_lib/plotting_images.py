"""Matplotlib pictures of images: a grid of samples, an animation of the grid over training, and
curves over training with their spread over seeds.

Chapter 6 shows generated digits with these (``gl.plotting.image_grid``,
``gl.plotting.training_animation``); ``gan_lib.plotting`` re-exports every public name here.
Images are in [-1, 1], the range of a tanh generator.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation


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


def curve_bands(
    bands: dict[str, dict[str, np.ndarray]],
    *,
    ax: plt.Axes | None = None,
    floor: float | None = None,
    ylabel: str = "classifier FID",
    log: bool = True,
) -> plt.Axes:
    """Curves over training with their spread: for each label, the median as a line and the range
    (``low`` to ``high``, e.g. over seeds) as a band; what ``image_report.curve_band`` returns.
    ``floor`` draws a dotted line (the real-vs-real score)."""
    if not bands:
        raise ValueError("bands must hold at least one curve")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    for label, band in bands.items():
        if "seeds" in band:
            label = f"{label} ({len(band['seeds'])} seed{'' if len(band['seeds']) == 1 else 's'})"
        line = ax.plot(band["step"], band["median"], marker=".", label=label)
        ax.fill_between(band["step"], band["low"], band["high"], color=line[0].get_color(), alpha=0.2, linewidth=0)
    if floor is not None:
        ax.axhline(floor, color="gray", linestyle=":", label="floor (train vs test)")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def losses_and_fid(
    curves: dict[str, dict[str, np.ndarray]], *, floor: float | None = None
) -> tuple[plt.Figure, np.ndarray]:
    """Two panels over training for each labelled run of ``curves`` (label -> a stored curve with
    ``step``, ``d_loss``, ``g_loss`` and ``fid``): the two players' losses on the left, the
    classifier FID (log scale) on the right, with the real-vs-real ``floor`` dotted."""
    if not curves:
        raise ValueError("curves must hold at least one run")
    figure, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for (label, curve), style in zip(curves.items(), ("--", "-", ":", "-.") * len(curves)):
        axes[0].plot(curve["step"], curve["d_loss"], style, label=f"{label}: D loss")
        axes[0].plot(curve["step"], curve["g_loss"], style, label=f"{label}: G loss")
        axes[1].plot(curve["step"], curve["fid"], style, label=label)
    if floor is not None:
        axes[1].axhline(floor, color="gray", ls=":", label="floor (real vs real)")
    axes[1].set_yscale("log")
    axes[0].set_title("losses (mean over each measurement interval)")
    axes[1].set_title("classifier FID (log scale; lower is better)")
    for ax in axes:
        ax.set_xlabel("training step")
        ax.legend(fontsize=8)
    return figure, axes


def save_gif(movie, path: str, *, fps: int = 3) -> str:
    """Write an animation (``training_animation``) to ``path`` as a GIF with Pillow; returns the path."""
    if not str(path).lower().endswith(".gif"):
        raise ValueError(f"path must end in .gif, got {path!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, np.integer)) or fps <= 0:
        raise ValueError(f"fps must be a positive integer, got {fps!r}")
    movie.save(str(path), writer=animation.PillowWriter(fps=int(fps)))
    return str(path)
