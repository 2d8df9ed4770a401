"""The bar a recommended recipe must meet (chapter 5), and its check on held-out mixtures.

``BAR`` holds the bar on PacGAN's ring and grid; ``held_out_bar`` scales the grid's to a mixture
of another mode count; ``bar_checks`` says which parts of it a row of ``results.summarize``
meets, and ``bar_table`` says it for a list of rows; ``held_out_table`` sets the two
candidates for the recipe side by side on the held-out mixtures, with the bar and the test
between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gan_lib.results import ALPHA, HIGHER_IS_BETTER, MARKS, _cell, compare, holm, html_table, verdict

# The bar a recommended recipe must meet (chapter 5), per dataset: every seed's modes at least
# ``modes_min``, the mean modes at least ``modes_mean``, the mean high-quality fraction at least
# ``high_quality`` and the mean reverse KL at most ``reverse_kl``.
BAR = {
    "ring": {"modes_min": 8, "modes_mean": 8.0, "high_quality": 0.98, "reverse_kl": 0.03},
    "grid": {"modes_min": 24, "modes_mean": 24.8, "high_quality": 0.95, "reverse_kl": 0.04},
}


def held_out_bar(modes: int) -> dict[str, float]:
    """The grid's bar, scaled to a held-out mixture of ``modes`` modes.

    No seed below ``modes`` - 1 modes, a mean of at least 99.2% of them (24.8 of 25), at least
    95% high quality and a reverse KL of at most 0.04.
    """
    if isinstance(modes, bool) or not isinstance(modes, int) or modes < 2:
        raise ValueError(f"modes must be an integer >= 2, got {modes!r}")
    grid = BAR["grid"]
    return {**grid, "modes_min": modes - 1, "modes_mean": modes * grid["modes_mean"] / 25}


def bar_checks(entry: dict[str, Any], dataset: str, *, modes: int | None = None) -> dict[str, bool]:
    """Which parts of the bar one row of ``summarize`` meets.

    The bar is ``BAR[dataset]`` for the ring and the grid, else ``held_out_bar(modes)``.
    """
    if dataset in BAR:
        bar = BAR[dataset]
    elif modes is None:
        raise ValueError(f"dataset must be one of {', '.join(BAR)}, or give the held-out mixture's modes")
    else:
        bar = held_out_bar(modes)
    return {
        "modes_min": entry["modes"]["min"] >= bar["modes_min"],
        "modes_mean": entry["modes"]["mean"] >= bar["modes_mean"],
        "high_quality": entry["high_quality"]["mean"] >= bar["high_quality"],
        "reverse_kl": entry["reverse_kl"]["mean"] <= bar["reverse_kl"],
    }


# How the tables name each part of the bar.
PART_NAMES = {"modes_min": "every seed", "modes_mean": "mean modes", "high_quality": "% HQ", "reverse_kl": "reverse KL"}


def bar_table(
    summary: dict[tuple[str, str], dict[str, Any]],
    rows: dict[str, str],
    datasets: Sequence[str] = ("ring", "grid"),
) -> tuple[str, dict[tuple[str, str], bool]]:
    """Which rows of ``summarize`` meet the bar on the ring and the grid.

    ``rows`` maps each recipe to its label.  Returns an HTML table (one line per recipe, one
    column per dataset: "met", or "missed: " and the parts missed) and, per (recipe, dataset),
    whether it meets the whole bar.
    """
    if not rows:
        raise ValueError("rows must name at least one recipe")
    meets: dict[tuple[str, str], bool] = {}
    lines = []
    for name, label in rows.items():
        cells = [label]
        for dataset in datasets:
            checks = bar_checks(summary[(name, dataset)], dataset)
            missed = [PART_NAMES[part] for part, ok in checks.items() if not ok]
            meets[(name, dataset)] = not missed
            cells.append("met" if not missed else "missed: " + ", ".join(missed))
        lines.append(cells)
    return html_table(["row", *(f"{dataset} bar" for dataset in datasets)], lines), meets


def held_out_table(
    summary: dict[tuple[str, str], dict[str, Any]],
    candidates: Sequence[str],
    mixtures: dict[str, int],
    *,
    labels: dict[str, str] | None = None,
    alpha: float = ALPHA,
) -> tuple[str, dict[tuple[str, str], bool], dict[tuple[str, str], dict[str, Any]]]:
    """The candidates for the recommended recipe on mixtures they were not chosen on.

    ``mixtures`` maps each mixture's name to its number of modes.  Returns an HTML table (one
    row per mixture and candidate: seeds, the median [range] of each score, and the bar of
    ``held_out_bar``), whether each (candidate, mixture) meets its bar, and the verdicts of
    the second candidate against the first: per score, one rank-sum test per mixture, with
    Holm's correction over the mixtures (keyed (mixture, score), as ``compare`` returns them).
    """
    if len(candidates) != 2:
        raise ValueError(f"candidates must name two recipes, got {candidates!r}")
    if not mixtures:
        raise ValueError("mixtures must name at least one mixture")
    first, second = candidates
    verdicts: dict[tuple[str, str], dict[str, Any]] = {}
    for score in HIGHER_IS_BETTER:
        found = {m: compare(summary, [(second, first)], m, score)[(second, first)] for m in mixtures}
        for mixture, p_holm in zip(found, holm([entry["p"] for entry in found.values()])):
            entry = found[mixture]
            called = verdict(entry["row"], entry["reference"], score, p_holm, alpha)
            verdicts[(mixture, score)] = {**entry, "p_holm": p_holm, "verdict": called}
    meets: dict[tuple[str, str], bool] = {}
    rows = []
    for mixture, modes in mixtures.items():
        for name in candidates:
            entry = summary[(name, mixture)]
            checks = bar_checks(entry, mixture, modes=modes)
            meets[(name, mixture)] = all(checks.values())
            missed = [PART_NAMES[key] for key, ok in checks.items() if not ok]
            cells: list[Any] = [f"{mixture} ({modes} modes)", (labels or {}).get(name, name), entry["runs"]]
            for score, scale, digits in (("modes", 1, 0), ("high_quality", 100, 1), ("reverse_kl", 1, 3)):
                mark = MARKS[verdicts[(mixture, score)]["verdict"]] if name == second else ""
                cells.append(_cell(entry[score]["values"], scale, digits) + mark)
            cells.append("met" if not missed else "missed: " + ", ".join(missed))
            rows.append(cells)
    header = ["mixture", "recipe", "seeds", "modes", "% HQ", "reverse KL", "bar"]
    return html_table(header, rows), meets, verdicts
