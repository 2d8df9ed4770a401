"""What chapter 6 reports of the stored Fashion-MNIST runs (``image_runs.load_stored``).

- ``curve_band``: one recipe's curve (classifier FID, a loss) over training, as the median and
  the range over its seeds at each measured step;
- ``final_table``: an HTML table of each recipe's final scores, median and range over seeds;
- ``metrics_table``: an HTML table of what ``image_runs.evaluate`` (or the same measurements
  made by hand) found for each generator, next to the real-vs-real floor;
- ``as_images``: stored uint8 samples back in [-1, 1], the range the plotting functions expect;
- ``nearest_training_images``: each sample's nearest training image in pixel space, to see
  whether a generator copies (``metrics.memorisation`` gives the number, this the pictures).

Nothing here trains or draws: ``plotting_images.curve_bands`` draws what ``curve_band`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gan_lib import results
from gan_lib._checks import finite_array, positive_int
from gan_lib.image_runs import Stored

# The final scores chapter 6 tabulates: (column of fashion_final.csv, heading, digits).
FINAL_SCORES = (
    ("fid", "classifier FID", 1),
    ("precision", "precision", 2),
    ("recall", "recall", 4),  # the tutorial's runs recall 0.0001 to 0.0004
    ("classes", "classes made", 0),
    ("kl_uniform", "KL to uniform", 2),
    ("median_ratio", "nearest-train distance / test's", 2),
)


def curve_band(stored: Stored, name: str, column: str = "fid") -> dict[str, np.ndarray]:
    """Recipe ``name``'s ``column`` over training, across its finished seeds: ``step`` and, at each
    step that every seed measured, the ``median``, ``low`` (min) and ``high`` (max)."""
    seeds = stored.seeds(name)
    if not seeds:
        raise ValueError(f"no finished runs of {name!r}")
    curves = [stored.curves[(name, seed)] for seed in seeds]
    if column not in curves[0] or column == "step":
        raise ValueError(f"column must be one of {', '.join(c for c in curves[0] if c != 'step')}; got {column!r}")
    steps = sorted(set.intersection(*(set(curve["step"].tolist()) for curve in curves)))
    values = np.array([[curve[column][list(curve["step"]).index(step)] for step in steps] for curve in curves])
    return {
        "step": np.asarray(steps),
        "median": np.median(values, axis=0),
        "low": values.min(axis=0),
        "high": values.max(axis=0),
        "seeds": np.asarray(seeds),
    }


def final_table(stored: Stored, names: Sequence[str], *, labels: dict[str, str] | None = None) -> str:
    """An HTML table, one row per recipe: each of ``FINAL_SCORES`` as "median [min, max]" over
    the recipe's seeds (one value alone when it has one seed), then the seeds and whether any
    seed memorised."""
    labels = labels or {}
    header = ["recipe", "seeds", *(heading for _, heading, _ in FINAL_SCORES), "memorised"]
    rows = []
    for name in names:
        seeds = stored.seeds(name)
        if not seeds:
            raise ValueError(f"no finished runs of {name!r}")
        finals = [stored.final[(name, seed)] for seed in seeds]
        cells = [labels.get(name, name), str(len(seeds))]
        for column, _, digits in FINAL_SCORES:
            values = np.array([final[column] for final in finals], dtype=np.float64)
            median = f"{np.median(values):.{digits}f}"
            spread = f" [{values.min():.{digits}f}, {values.max():.{digits}f}]" if len(values) > 1 else ""
            cells.append(median + spread)
        cells.append("yes" if any(final["memorised"] for final in finals) else "no")
        rows.append(cells)
    return results.html_table(header, rows)


def metrics_table(
    found: dict[str, dict[str, Any]],
    floor: float,
    *,
    labels: dict[str, str] | None = None,
    classes: str = "classes made",
) -> str:
    """An HTML table, one row per generator of ``found`` (name -> scores with the keys of
    ``image_runs.evaluate``: ``fid``, ``coverage``, ``pr``, ``memorisation``) after a first row
    for the real test split: the classifier FID and its multiple of ``floor`` (the real-vs-real
    FID), the classes made (headed ``classes``, e.g. "digits made") and their KL to uniform,
    precision, recall, the nearest-training-image distance against the test images' and whether
    the generator memorised."""
    if not found:
        raise ValueError("found must hold the scores of at least one generator")
    floor = float(floor)
    if not np.isfinite(floor) or floor <= 0:
        raise ValueError(f"floor must be a positive number, got {floor!r}")
    labels = labels or {}
    header = ["", "classifier FID", "× floor", classes, "KL to uniform", "precision", "recall",
              "nearest-train distance / test's", "memorised"]  # fmt: skip
    rows: list[list[Any]] = [["real (test split)", f"{floor:.2f}", "1.0", 10, "–", "–", "–", "1.00", "–"]]
    for name, scores in found.items():
        coverage, pr, copied = scores["coverage"], scores["pr"], scores["memorisation"]
        rows.append([
            labels.get(name, name), f"{scores['fid']:.2f}", f"{scores['fid'] / floor:.1f}",
            coverage["classes"], f"{coverage['kl_uniform']:.3f}", f"{pr['precision']:.2f}",
            f"{pr['recall']:.2f}", f"{copied['median_ratio']:.2f}", "yes" if copied["memorised"] else "no",
        ])  # fmt: skip
    return results.html_table(header, rows)


def as_images(stored_uint8: np.ndarray) -> np.ndarray:
    """Stored samples (uint8, 0..255) as float32 images in [-1, 1]."""
    array = np.asarray(stored_uint8)
    if array.dtype != np.uint8:
        raise ValueError(f"stored samples must be uint8, got {array.dtype}")
    return array.astype(np.float32) / 127.5 - 1.0


def nearest_training_images(
    samples: np.ndarray, train_images: np.ndarray, *, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, the index of its nearest training image (Euclidean, pixel space) and the
    distance to it.  ``chunk`` training images are compared at a time, to bound the memory."""
    samples = finite_array(samples, "samples", np.float32)
    train_images = finite_array(train_images, "train_images", np.float32)
    if samples.ndim < 2 or samples.shape[1:] != train_images.shape[1:]:
        raise ValueError(f"samples {samples.shape} and train_images {train_images.shape} must share an image shape")
    if len(samples) == 0 or len(train_images) == 0:
        raise ValueError("samples and train_images must not be empty")
    chunk = positive_int(chunk, "chunk")
    flat = samples.reshape(len(samples), -1).astype(np.float64)
    best = np.full(len(samples), np.inf)
    index = np.zeros(len(samples), dtype=np.int64)
    for start in range(0, len(train_images), chunk):
        block = train_images[start : start + chunk].reshape(-1, flat.shape[1]).astype(np.float64)
        # |a - b|^2 = |a|^2 - 2 a.b + |b|^2, clipped at 0 against rounding
        squared = np.maximum((flat**2).sum(1)[:, None] - 2 * flat @ block.T + (block**2).sum(1)[None], 0.0)
        nearest = squared.argmin(axis=1)
        found = squared[np.arange(len(flat)), nearest]
        closer = found < best
        best[closer], index[closer] = found[closer], nearest[closer] + start
    return index, np.sqrt(best)
