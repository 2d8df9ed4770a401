"""Published results on PacGAN's two benchmarks, and how PacGAN's protocol differs from the book's.

Chapter 5 shows them (``published_table``) next to its own numbers in the same columns
(``ours_table``) as reference points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gan_lib.results import html_table

# Published results on the same two benchmarks (means over 10 runs; None: not reported).
# PacGAN Table 1 (Lin et al. 2018; the authors' repository fjxmlzn/PacGAN keeps the table as
# synthetic_data_experiments/results/Table1.png) and VEEGAN Table 1 (Srivastava et al. 2017).
PUBLISHED: tuple[dict[str, Any], ...] = (
    {"source": "PacGAN Table 1", "method": "GAN", "ring": (6.3, 98.2, 0.45), "grid": (17.3, 94.8, 0.70)},
    {"source": "PacGAN Table 1", "method": "ALI", "ring": (6.6, 97.6, 0.36), "grid": (24.1, 95.7, 0.14)},
    {"source": "PacGAN Table 1", "method": "PacGAN2", "ring": (7.9, 95.6, 0.07), "grid": (23.8, 91.3, 0.13)},
    {"source": "PacGAN Table 1", "method": "PacGAN3", "ring": (7.8, 97.7, 0.10), "grid": (24.6, 94.2, 0.06)},
    {"source": "PacGAN Table 1", "method": "PacGAN4", "ring": (7.8, 95.9, 0.07), "grid": (24.8, 93.6, 0.04)},
    {"source": "VEEGAN Table 1", "method": "Unrolled GAN", "ring": (7.6, 35.6, None), "grid": (23.6, 16.0, None)},
    {"source": "VEEGAN Table 1", "method": "VEEGAN", "ring": (8.0, 52.9, None), "grid": (24.6, 40.0, None)},
)

# How PacGAN's training differs from this book's (PacGAN's public code, synthetic_data_experiments:
# config.py and pacgan_task.py).  One row per setting: (setting, PacGAN, this book).
PROTOCOLS: tuple[tuple[str, str, str], ...] = (
    ("noise", "2-D standard normal", "16-D standard normal"),
    ("generator", "4 x 400 ReLU, batch norm", "4 x 128 ReLU, no batch norm"),
    ("discriminator", "3 x 200 maxout (5 pieces), no batch norm", "4 x 128 leaky ReLU (0.2)"),
    ("optimiser", "Adam 1e-4, beta_1 0.8, constant", "per recipe; base: Adam 1e-3 (0.5, 0.9), decayed"),
    ("batch", "100", "512"),
    ("training points", "100,000", "50,000 per run"),
    ("length", "400 epochs x 1,000 steps = 400,000 steps", "15,000 generator steps"),
    ("runs per row", "10", "5 (10 for the key rows)"),
    ("evaluation", "2,500 samples, within 3 std", "2,500 samples, within 3 std (the same)"),
)


COLUMNS = ("modes", "% HQ", "reverse KL")


def published_table() -> str:
    """``PUBLISHED`` as an HTML table (a dash where a number was not reported)."""
    header = ["source", "method"] + [f"{d}: {s}" for d in ("ring", "grid") for s in COLUMNS]
    rows = []
    for entry in PUBLISHED:
        numbers = [value for d in ("ring", "grid") for value in entry[d]]
        rows.append([entry["source"], entry["method"]] + ["–" if v is None else f"{v:g}" for v in numbers])
    return html_table(header, rows)


def ours_table(summary: dict[tuple[str, str], dict[str, Any]], labels: dict[str, str]) -> str:
    """The book's rows in ``published_table``'s columns: for each recipe of ``labels`` (name ->
    label), the number of seeds (the fewer of its two datasets) and the mean over them of
    modes, % high quality and reverse KL on the ring and the grid (``results.summarize``).

    A seed whose samples cover no mode has an infinite reverse KL, and so has the mean over
    seeds; that cell says in how many seeds it happened instead of showing a bare "inf"."""
    if not labels:
        raise ValueError("labels must name at least one recipe")
    header = ["this book", "seeds"] + [f"{d}: {s}" for d in ("ring", "grid") for s in COLUMNS]
    rows = []
    for name, label in labels.items():
        missing = [d for d in ("ring", "grid") if not summary.get((name, d), {}).get("runs")]
        if missing:
            raise ValueError(f"{name!r} has no finished run on {', '.join(missing)}")
        cells: list[Any] = [label, min(summary[(name, d)]["runs"] for d in ("ring", "grid"))]
        for d in ("ring", "grid"):
            entry = summary[(name, d)]
            cells += [
                f"{entry['modes']['mean']:.1f}",
                f"{100 * entry['high_quality']['mean']:.1f}",
                _mean_kl(entry["reverse_kl"]),
            ]
        rows.append(cells)
    return html_table(header, rows)


def _mean_kl(scores: dict[str, Any]) -> str:
    """The mean reverse KL to 3 decimals, or "∞ (k of n seeds)" when k seeds covered no mode."""
    if np.isfinite(scores["mean"]):
        return f"{scores['mean']:.3f}"
    infinite = int(np.sum(np.isinf(scores["values"])))
    return f"∞ ({infinite} of {len(scores['values'])} seeds cover no mode)"
