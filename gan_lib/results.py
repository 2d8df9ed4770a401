"""Reading stored runs: per-seed scores, a stated significance test, verdicts and tables.

``summarize`` turns the rows of a sweep's file (``result_files.load_results``) into each row's
spread over seeds; the functions below compare and tabulate those summaries.

The test behind every verdict of chapter 5: the two-sided exact Wilcoxon rank-sum
(Mann-Whitney) test on the seeds' final scores of two rows, with mid-ranks for ties, its
p-value computed by enumerating every split of the pooled seeds (no normal approximation).
Each table column (one score on one dataset) is one family of comparisons, and Holm's
step-down procedure (Holm 1979) keeps the chance of any false "better"/"worse" in that family
at most ``ALPHA``.

With few seeds a rank test cannot reach small p-values: the smallest two-sided p for 5 seeds
against 5 is 2/252 = 0.0079, and for 5 against 10 it is 2/3003 = 0.00067 (``smallest_p``).
A column of m comparisons can only show a difference if that is below ALPHA/m, which is
why the rows compared against have 10 seeds.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from gan_lib import result_files

ALPHA = 0.05
# Which way is better for each score of metrics.mode_coverage.
HIGHER_IS_BETTER = {"modes": True, "high_quality": True, "reverse_kl": False}


SCORES = ("modes", "high_quality", "reverse_kl")


def summarize(rows: Sequence[dict[str, Any]], *, step: int | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (recipe, dataset): the spread over seeds of each run's scores at one evaluation.

    Each run contributes its last evaluation, or the one at ``step`` if given (runs without
    one are left out).  Returns, per key, ``runs`` (runs counted), ``failed`` (error rows),
    ``steps`` (the evaluation steps used) and, for each of ``SCORES``, a dict with the
    ``values`` (ordered by seed), ``mean``, ``se`` (standard error, sample std / sqrt(runs);
    NaN for one run), ``sd``, ``min`` and ``max``.
    """
    chosen: dict[tuple[str, str, int], dict[str, Any]] = {}
    failed: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["recipe"], row["dataset"])
        if row.get("error"):
            failed[key] = failed.get(key, 0) + 1
            continue
        run_key = (*key, row["seed"])
        if step is None:
            if run_key not in chosen or row["step"] > chosen[run_key]["step"]:
                chosen[run_key] = row
        elif row["step"] == step:
            chosen[run_key] = row
    summary: dict[tuple[str, str], dict[str, Any]] = {}
    for key in sorted(set(failed) | {run_key[:2] for run_key in chosen}):
        runs = [chosen[k] for k in sorted(chosen) if k[:2] == key]
        entry: dict[str, Any] = {"runs": len(runs), "failed": failed.get(key, 0)}
        entry["steps"] = sorted({run["step"] for run in runs})
        for name in SCORES:
            values = np.array([run[name] for run in runs], dtype=np.float64)
            finite = len(values) > 1 and np.all(np.isfinite(values))
            sd = float(np.std(values, ddof=1)) if finite else float("nan")
            entry[name] = {
                "values": values.tolist(),
                "mean": float(np.mean(values)) if len(values) else float("nan"),
                "sd": sd,
                "se": sd / np.sqrt(len(values)) if finite else float("nan"),
                "min": float(np.min(values)) if len(values) else float("nan"),
                "max": float(np.max(values)) if len(values) else float("nan"),
            }
        summary[key] = entry
    return summary


def seed_range(score: dict[str, Any]) -> tuple[float, float]:
    """The range a rerun of one stored row must fall in, for one score of a ``summarize`` entry:
    the stored seeds' min and max, widened by one standard deviation across seeds on each side
    (by nothing when the sd is undefined: one seed, or an infinite value)."""
    spread = score["sd"] if np.isfinite(score["sd"]) else 0.0
    return score["min"] - spread, score["max"] + spread


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, ties sharing their mean rank (inf ranks above every number)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _scores(values: Sequence[float], name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN (inf is allowed and ranks highest), got {values!r}")
    return array


def rank_sum_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided exact p-value of the Wilcoxon rank-sum test that ``a`` and ``b`` come from one distribution.

    The statistic is the sum of ``a``'s mid-ranks in the pooled sample; the p-value is the
    share of all C(len(a)+len(b), len(a)) ways to pick len(a) of the pooled values whose
    rank sum lies at least as far from its mean as the observed one.  All values equal gives 1.
    The ways are counted, not listed: ``ways[j, s]`` is the number of j-subsets of the values
    seen so far whose doubled mid-ranks (integers: mid-ranks are halves) sum to s.
    """
    first, second = _scores(a, "a"), _scores(b, "b")
    pooled = np.concatenate([first, second])
    k, n = len(first), len(pooled)
    if math.comb(n, k) > 2**62:
        raise ValueError(f"exact test too large for {k} + {len(second)} values; use fewer seeds")
    doubled = np.rint(2 * _ranks(pooled)).astype(np.int64)
    centre = k * (n + 1)  # twice the mean rank sum of k values
    observed = abs(int(doubled[:k].sum()) - centre)
    ways = np.zeros((k + 1, int(doubled.sum()) + 1), dtype=np.int64)
    ways[0, 0] = 1
    for rank in doubled:  # each value is either left out, or added to a (j-1)-subset
        ways[1:, rank:] = ways[1:, rank:] + ways[:-1, : ways.shape[1] - rank]
    sums = np.arange(ways.shape[1])
    extreme = int(ways[k][np.abs(sums - centre) >= observed].sum())
    return extreme / math.comb(n, k)


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value ``rank_sum_test`` can return for n_a and n_b distinct values."""
    return 2 / math.comb(n_a + n_b, n_a)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input's order (reject where adjusted <= alpha)."""
    p = [float(value) for value in p_values]
    if any(not 0.0 <= value <= 1.0 for value in p):
        raise ValueError(f"p-values must lie in [0, 1], got {p_values!r}")
    order = sorted(range(len(p)), key=lambda index: p[index])
    adjusted = [0.0] * len(p)
    running = 0.0
    for position, index in enumerate(order):
        running = max(running, min(1.0, (len(p) - position) * p[index]))
        adjusted[index] = running
    return adjusted


def compare(
    summary: dict[tuple[str, str], dict[str, Any]],
    pairs: Sequence[tuple[str, str]],
    dataset: str,
    score: str,
    *,
    alpha: float = ALPHA,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Verdicts for one family: each (row, reference) of ``pairs`` on ``dataset`` and ``score``.

    ``summary`` is what ``summarize`` returns.  Per pair: the two means, the raw
    and Holm-adjusted p-values, and a ``verdict``: "better" or "worse" (the row against its
    reference, in the direction of ``HIGHER_IS_BETTER``, when the adjusted p is at most
    ``alpha``), else "no difference shown".
    """
    if score not in HIGHER_IS_BETTER:
        raise ValueError(f"score must be one of {', '.join(HIGHER_IS_BETTER)}; got {score!r}")
    if not pairs:
        raise ValueError("pairs must name at least one (row, reference)")
    found = []
    for row, reference in pairs:
        for name in (row, reference):
            if (name, dataset) not in summary:
                raise ValueError(f"no runs of {name!r} on {dataset!r} in the summary")
        a = summary[(row, dataset)][score]["values"]
        b = summary[(reference, dataset)][score]["values"]
        found.append((a, b, rank_sum_test(a, b)))
    adjusted = holm([p for _, _, p in found])
    verdicts = {}
    for (row, reference), (a, b, p), p_holm in zip(pairs, found, adjusted):
        verdicts[(row, reference)] = {
            "p": p,
            "p_holm": p_holm,
            "verdict": verdict(a, b, score, p_holm, alpha),
            "row": a,
            "reference": b,
        }
    return verdicts


def verdict(row: Sequence[float], reference: Sequence[float], score: str, p_holm: float, alpha: float = ALPHA) -> str:
    """The verdict on ``row`` against ``reference``: "better" or "worse" (in the direction of
    ``HIGHER_IS_BETTER[score]``) when the adjusted p is at most ``alpha``, else "no difference shown"."""
    if score not in HIGHER_IS_BETTER:
        raise ValueError(f"score must be one of {', '.join(HIGHER_IS_BETTER)}; got {score!r}")
    if p_holm > alpha:
        return "no difference shown"
    # Medians decide the direction: a mean is undefined where a run scores inf.
    ahead = np.median(row) > np.median(reference) if HIGHER_IS_BETTER[score] else np.median(row) < np.median(reference)
    return "better" if ahead else "worse"


def compare_pair(
    summary: dict[tuple[str, str], dict[str, Any]],
    row: str,
    reference: str,
    datasets: Sequence[str] = ("ring", "grid"),
    *,
    alpha: float = ALPHA,
) -> dict[tuple[str, str], dict[str, Any]]:
    """``row`` against ``reference`` on every score of every dataset, as one family: Holm's
    correction over those ``len(datasets) * len(HIGHER_IS_BETTER)`` comparisons.  Keyed
    (dataset, score); each entry as ``compare`` gives it."""
    found = {
        (dataset, score): compare(summary, [(row, reference)], dataset, score)[(row, reference)]
        for dataset in datasets
        for score in HIGHER_IS_BETTER
    }
    adjusted = holm([entry["p"] for entry in found.values()])
    for ((_, score), entry), p_holm in zip(found.items(), adjusted):
        entry.update(p_holm=p_holm, verdict=verdict(entry["row"], entry["reference"], score, p_holm, alpha))
    return found


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> str:
    """A plain HTML table (every cell escaped), which renders the same in Jupyter, Colab and the book."""
    if not header or any(len(row) != len(header) for row in rows):
        raise ValueError("every row must have one cell per header column")
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="table">{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


SCORE_LABELS = {"modes": "modes", "high_quality": "high quality", "reverse_kl": "reverse KL"}


def direct_table(
    summary: dict[tuple[str, str], dict[str, Any]],
    pairs: dict[tuple[str, str], str],
    datasets: Sequence[str] = ("ring", "grid"),
    *,
    caption: str = "",
) -> tuple[str, dict[str, dict[tuple[str, str], dict[str, Any]]]]:
    """An HTML table of direct tests, one row per (row, reference) of ``pairs`` (valued by its
    label): the raw p of each score, marked ▲ / ▼ where ``compare_pair`` calls it better / worse.
    Also the verdicts, keyed by row name and then (dataset, score)."""
    if not pairs:
        raise ValueError("pairs must name at least one (row, reference)")
    found = {row: compare_pair(summary, row, reference, datasets) for row, reference in pairs}
    header = ["direct test"] + [f"{d}: {SCORE_LABELS[score]}" for d in datasets for score in HIGHER_IS_BETTER]
    rows = [
        [label] + [f"{entry['p']:.3f}{MARKS[entry['verdict']]}" for entry in found[row].values()]
        for (row, _), label in pairs.items()
    ]
    return html_table(header, rows, caption=caption), found


def _number(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals; an infinity (a seed that covers no mode has an
    infinite reverse KL) as ∞."""
    return "∞" if np.isinf(value) else f"{value:.{digits}f}"


def _cell(values: Sequence[float], scale: float, digits: int) -> str:
    """Median over seeds, with the range when the seeds differ."""
    array = np.asarray(values, dtype=np.float64) * scale
    low, mid, high = np.min(array), np.median(array), np.max(array)
    text = _number(mid, digits)
    return text if low == high else f"{text} [{_number(low, digits)}, {_number(high, digits)}]"


MARKS = {"better": " ▲", "worse": " ▼", "no difference shown": ""}


def ablation_table(
    summary: dict[tuple[str, str], dict[str, Any]],
    names: Sequence[str],
    reference: str,
    *,
    datasets: Sequence[str] = ("ring", "grid"),
    seconds: dict[str, float] | None = None,
    cost: dict[str, float] | None = None,
    labels: dict[str, str] | None = None,
    caption: str = "",
) -> tuple[str, dict[tuple[str, str, str], dict[str, Any]]]:
    """An HTML table of ``names`` against ``reference``, and its verdicts.

    Each cell is the median over seeds with the range in brackets; ▲ / ▼ mark a row that is
    better / worse than ``reference`` by ``compare`` (one Holm family per column, ``names``
    other than the reference).  ``seconds`` adds a column of each row's median seconds per
    run, ``cost`` one of each row's time per training step as a multiple of a reference row's
    (as ``load_costs`` reads it).  ``labels`` shows rows under plain names (default: the
    recipe names).  Verdicts are keyed (row, dataset, score) by recipe name.
    """
    others = [name for name in names if name != reference]
    verdicts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for dataset in datasets:
        for score in HIGHER_IS_BETTER:
            if others:
                found = compare(summary, [(name, reference) for name in others], dataset, score)
                for (name, _), entry in found.items():
                    verdicts[(name, dataset, score)] = entry
    header = ["recipe", "seeds"]
    for dataset in datasets:
        header += [f"{dataset}: modes", f"{dataset}: % HQ", f"{dataset}: reverse KL"]
    if seconds is not None:
        header.append("s / run")
    if cost is not None:
        header.append("time per step")
    rows = []
    for name in names:
        seeds = min(summary[(name, dataset)]["runs"] for dataset in datasets)
        label = (labels or {}).get(name, name)
        cells: list[Any] = [label if name != reference else f"{label} (reference)", seeds]
        for dataset in datasets:
            entry = summary[(name, dataset)]
            for score, scale, digits in (("modes", 1, 0), ("high_quality", 100, 1), ("reverse_kl", 1, 3)):
                mark = MARKS[verdicts[(name, dataset, score)]["verdict"]] if name != reference else ""
                cells.append(_cell(entry[score]["values"], scale, digits) + mark)
        if seconds is not None:
            cells.append(f"{seconds[name]:.0f}")
        if cost is not None:
            cells.append(f"{cost[name]:.1f}×")
        rows.append(cells)
    return html_table(header, rows, caption=caption), verdicts


def load_costs(path: str | os.PathLike) -> dict[str, float]:
    """Per recipe, its time per training step as a multiple of the tuned base's, from the file
    ``scripts/recipe_costs.py`` writes (``ratio_to_base`` column; provenance lines skipped)."""
    _, rows = result_files.read_csv(path)
    found = {row["recipe"]: float(row["ratio_to_base"]) for row in rows}
    if found.get("base") != 1.0:
        raise ValueError(f"{path}: the base row must have ratio 1.0, got {found.get('base')!r}")
    return found


def median_seconds(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Per recipe, the median over its finished runs of the wall time to its last evaluation."""
    last: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in rows:
        if row.get("error"):
            continue
        key = (row["recipe"], row["dataset"], row["seed"])
        if key not in last or row["step"] > last[key]["step"]:
            last[key] = row
    per_recipe: dict[str, list[float]] = {}
    for (name, _, _), row in last.items():
        per_recipe.setdefault(name, []).append(row["seconds"])
    return {name: float(np.median(values)) for name, values in per_recipe.items()}


def curves(
    rows: Sequence[dict[str, Any]], names: Sequence[str], dataset: str, score: str = "modes"
) -> dict[str, tuple[list[int], list[float]]]:
    """Per recipe of ``names``: its evaluation steps on ``dataset`` and the median over seeds of ``score``.

    Only steps that every seed of the recipe reached count, so a median never mixes seed sets.
    """
    if score not in HIGHER_IS_BETTER:
        raise ValueError(f"score must be one of {', '.join(HIGHER_IS_BETTER)}; got {score!r}")
    found: dict[str, tuple[list[int], list[float]]] = {}
    for name in names:
        mine = [row for row in rows if (row["recipe"], row["dataset"]) == (name, dataset) and not row.get("error")]
        if not mine:
            raise ValueError(f"no runs of {name!r} on {dataset!r}")
        seeds = {row["seed"] for row in mine}
        by_step: dict[int, list[float]] = {}
        for row in mine:
            by_step.setdefault(row["step"], []).append(row[score])
        steps = sorted(step for step, values in by_step.items() if len(values) == len(seeds))
        found[name] = (steps, [float(np.median(by_step[step])) for step in steps])
    return found
