"""The stated test behind chapter 5's verdicts: exact rank-sum p-values, Holm, verdicts, tables."""

import math

import numpy as np
import pytest
from scipy import stats

from gan_lib import bar, published, recipes, results, sweep


def test_separated_samples_get_the_smallest_possible_p_value():
    assert results.rank_sum_test([1, 2, 3], [4, 5, 6]) == pytest.approx(2 / 20)
    assert results.rank_sum_test([10, 11, 12, 13, 14], [1, 2, 3, 4, 5]) == pytest.approx(2 / 252)
    assert results.smallest_p(5, 5) == pytest.approx(0.0079, abs=1e-4)
    assert results.smallest_p(5, 10) == pytest.approx(2 / 3003)


def test_without_ties_the_p_value_equals_scipys_exact_mann_whitney():
    rng = np.random.default_rng(0)
    for n_a, n_b in ((5, 5), (5, 10), (4, 7)):
        for _ in range(5):
            a, b = rng.normal(size=n_a), rng.normal(0.8, size=n_b)
            expected = stats.mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue
            assert results.rank_sum_test(a, b) == pytest.approx(expected)


def test_with_ties_the_p_value_equals_a_full_permutation_test_of_the_mean_rank():
    a, b = [8, 8, 7, 8, 6], [8, 5, 5, 6, 7, 4, 8, 5, 6, 3]
    pooled = stats.rankdata(a + b)

    def statistic(x, y):
        return abs(np.sum(x) - len(x) * (len(pooled) + 1) / 2)

    expected = stats.permutation_test(
        (pooled[:5], pooled[5:]), statistic, permutation_type="independent", alternative="greater", n_resamples=np.inf
    ).pvalue
    assert results.rank_sum_test(a, b) == pytest.approx(expected)


def test_identical_values_and_infinities():
    assert results.rank_sum_test([8, 8, 8], [8, 8, 8, 8]) == 1.0
    # inf (a run with no high-quality sample has an infinite reverse KL) ranks above every number.
    assert results.rank_sum_test([math.inf] * 5, [0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx(2 / 252)


def test_holm_on_a_worked_example():
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04) = 0.06.
    assert results.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert results.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # step-down: never below an earlier one
    assert results.holm([]) == []


def summary_of(values: dict[str, list[float]], score: str = "modes") -> dict:
    rows = []
    for recipe, scores in values.items():
        for seed, value in enumerate(scores):
            rows.append(
                {
                    "recipe": recipe,
                    "dataset": "grid",
                    "seed": seed,
                    "step": 10,
                    "modes": value if score == "modes" else 1,
                    "high_quality": 0.5,
                    "reverse_kl": value if score == "reverse_kl" else 0.1,
                    "seconds": 1.0,
                    "error": None,
                }
            )
    return results.summarize(rows)


def test_compare_gives_verdicts_after_the_correction():
    summary = summary_of(
        {
            "base": [20, 21, 19, 22, 20, 21, 19, 20, 22, 21],
            "good": [25, 25, 25, 25, 25],
            "bad": [3, 4, 2, 5, 1],
            "same": [20, 21, 22, 19, 21],
        }
    )
    pairs = [("good", "base"), ("bad", "base"), ("same", "base")]
    found = results.compare(summary, pairs, "grid", "modes")
    assert found[("good", "base")]["verdict"] == "better"
    assert found[("bad", "base")]["verdict"] == "worse"
    assert found[("same", "base")]["verdict"] == "no difference shown"
    assert found[("good", "base")]["p"] == pytest.approx(2 / 3003)
    assert found[("good", "base")]["p_holm"] == pytest.approx(3 * 2 / 3003)  # smallest of 3: times 3
    # For reverse KL lower is better: the same numbers read the other way round.
    kl = summary_of({"base": [0.5] * 5 + [0.6] * 5, "low": [0.01, 0.02, 0.03, 0.04, 0.05]}, score="reverse_kl")
    assert results.compare(kl, [("low", "base")], "grid", "reverse_kl")[("low", "base")]["verdict"] == "better"


def test_five_seeds_against_five_cannot_pass_a_correction_over_seven_comparisons():
    values = {"base": [1, 2, 3, 4, 5]} | {f"fix{k}": [10 + k, 11, 12, 13, 14] for k in range(7)}
    found = results.compare(summary_of(values), [(f"fix{k}", "base") for k in range(7)], "grid", "modes")
    assert all(entry["p"] == pytest.approx(2 / 252) for entry in found.values())
    assert all(entry["verdict"] == "no difference shown" for entry in found.values())  # 7 * 0.0079 > 0.05


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: results.rank_sum_test([], [1]), "non-empty"),
        (lambda: results.rank_sum_test([1, float("nan")], [1]), "NaN"),
        (lambda: results.holm([1.5]), r"\[0, 1\]"),
        (lambda: results.compare(summary_of({"a": [1]}), [("a", "b")], "grid", "modes"), "no runs of 'b'"),
        (lambda: results.compare(summary_of({"a": [1]}), [("a", "a")], "grid", "fid"), "score"),
        (lambda: results.compare(summary_of({"a": [1]}), [], "grid", "modes"), "pairs"),
        (lambda: results.html_table(["a", "b"], [[1]]), "one cell per header"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_html_table_escapes_its_cells():
    table = results.html_table(["method", "modes"], [["base+r1<script>", 8]], caption="Ring & grid")
    assert table.count("<tr>") == 2 and "<th>method</th>" in table and "<td>8</td>" in table
    assert "&lt;script&gt;" in table and "<script>" not in table and "<caption>Ring &amp; grid</caption>" in table


def bar_summary(ring_modes, ring_hq, ring_kl):
    rows = [
        {
            "recipe": "r",
            "dataset": "ring",
            "seed": seed,
            "step": 1,
            "modes": m,
            "high_quality": h,
            "reverse_kl": k,
            "seconds": 10.0 + seed,
            "error": None,
        }
        for seed, (m, h, k) in enumerate(zip(ring_modes, ring_hq, ring_kl))
    ]
    return results.summarize(rows)[("r", "ring")], rows


def test_bar_checks_each_part_of_the_bar():
    entry, _ = bar_summary([8, 8, 8], [0.99, 0.985, 0.98], [0.01, 0.02, 0.03])
    assert bar.bar_checks(entry, "ring") == dict.fromkeys(
        ("modes_min", "modes_mean", "high_quality", "reverse_kl"), True
    )
    entry, _ = bar_summary([8, 7, 8], [0.99, 0.96, 0.98], [0.01, 0.02, 0.09])
    assert bar.bar_checks(entry, "ring") == {
        "modes_min": False,
        "modes_mean": False,
        "high_quality": False,
        "reverse_kl": False,
    }
    with pytest.raises(ValueError, match="dataset"):
        bar.bar_checks(entry, "moons")
    # A held-out mixture of 8 modes: at least 7 in every seed, a mean of at least 7.936.
    assert bar.held_out_bar(25) == bar.BAR["grid"]
    assert bar.held_out_bar(8)["modes_min"] == 7 and bar.held_out_bar(8)["modes_mean"] == pytest.approx(7.936)
    entry, _ = bar_summary([8, 8, 7], [0.96, 0.97, 0.95], [0.01, 0.02, 0.03])
    assert bar.bar_checks(entry, "ring8", modes=8) == {
        "modes_min": True,
        "modes_mean": False,  # 7.67 < 7.936
        "high_quality": True,
        "reverse_kl": True,
    }
    with pytest.raises(ValueError, match="modes"):
        bar.held_out_bar(1)


def test_ablation_table_marks_verdicts_and_times():
    values = {"base": [20, 21, 19, 22, 20, 21, 19, 20, 22, 21], "good": [25] * 5, "same": [20, 21, 22, 19, 21]}
    summary = summary_of(values)
    _, rows = bar_summary([8], [0.9], [0.1])
    table, verdicts = results.ablation_table(
        summary,
        ["base", "good", "same"],
        "base",
        datasets=("grid",),
        seconds={"base": 12.4, "good": 30, "same": 9},
        cost={"base": 1.0, "good": 2.34, "same": 0.96},
    )
    assert verdicts[("good", "grid", "modes")]["verdict"] == "better"
    assert "<td>25 ▲</td>" in table and "<td>base (reference)</td>" in table
    assert "<td>base (reference)</td><td>10</td><td>20 [19, 22]</td>" in table  # median 20.5 -> "20"
    assert "<td>12</td>" in table and table.count("<tr>") == 4
    assert "<th>time per step</th>" in table and "<td>30</td><td>2.3×</td>" in table
    assert results.median_seconds(rows) == {"r": 10.0}
    # Plain labels rename the rows shown, not the verdicts' keys.
    labelled, again = results.ablation_table(
        summary, ["base", "good"], "base", datasets=("grid",), labels={"base": "the base", "good": "with R1"}
    )
    assert "<td>the base (reference)</td>" in labelled and "<td>with R1</td>" in labelled
    assert "<td>good</td>" not in labelled and ("good", "grid", "modes") in again


def test_compare_pair_corrects_over_every_score_of_every_dataset():
    base = [20, 21, 19, 22, 20, 21, 19, 20, 22, 21]
    summary = summary_of({"base": base, "good": [25] * 5, "a_little": [23, 22, 21, 22, 22]})
    # 'good' differs only in modes (the other scores are equal in every run): 3 tests, Holm x 3.
    found = results.compare_pair(summary, "good", "base", datasets=("grid",))
    assert set(found) == {("grid", score) for score in results.HIGHER_IS_BETTER}
    modes = found[("grid", "modes")]
    assert modes["p"] == pytest.approx(results.smallest_p(5, 10))
    assert modes["p_holm"] == pytest.approx(3 * modes["p"]) and modes["verdict"] == "better"
    assert found[("grid", "reverse_kl")]["p_holm"] == 1.0
    assert found[("grid", "reverse_kl")]["verdict"] == "no difference shown"
    # p 0.022 is a difference alone, and not once corrected for the three scores.
    alone = results.compare(summary, [("a_little", "base")], "grid", "modes")[("a_little", "base")]
    assert alone["p"] == pytest.approx(0.0223, abs=1e-4) and alone["verdict"] == "better"
    family = results.compare_pair(summary, "a_little", "base", datasets=("grid",))[("grid", "modes")]
    assert family["p_holm"] == pytest.approx(3 * alone["p"]) and family["verdict"] == "no difference shown"


def test_direct_table_shows_each_raw_p_with_the_family_verdict():
    summary = summary_of({"base": [20, 21, 19, 22, 20, 21, 19, 20, 22, 21], "good": [25] * 5})
    table, found = results.direct_table(summary, {("good", "base"): "good against base"}, datasets=("grid",))
    assert "<th>grid: high quality</th>" in table and "<td>good against base</td>" in table
    assert "<td>0.001 ▲</td>" in table and "<td>1.000</td>" in table  # p 2/3003, x3 by Holm
    assert found["good"] == results.compare_pair(summary, "good", "base", datasets=("grid",))
    with pytest.raises(ValueError, match="pairs"):
        results.direct_table(summary, {})


def test_verdict_follows_the_direction_of_each_score():
    assert results.verdict([3, 4], [1, 2], "modes", 0.01) == "better"
    assert results.verdict([3, 4], [1, 2], "reverse_kl", 0.01) == "worse"  # a higher KL is worse
    assert results.verdict([3, 4], [1, 2], "modes", 0.06) == "no difference shown"
    assert results.verdict([1, math.inf, math.inf], [0.5, 0.6, 0.7], "reverse_kl", 0.01) == "worse"
    with pytest.raises(ValueError, match="score"):
        results.verdict([3, 4], [1, 2], "accuracy", 0.01)


def test_ablation_table_shows_an_infinite_reverse_kl_as_infinity():
    # A seed that covers no mode has an infinite reverse KL; the cell reads ∞, not "inf".
    values = {"base": [0.1, 0.2, 0.3, 0.4, 0.5], "lost": [0.6, math.inf, math.inf, math.inf, math.inf]}
    table, _ = results.ablation_table(summary_of(values, "reverse_kl"), ["base", "lost"], "base", datasets=("grid",))
    assert "<td>∞ [0.600, ∞] ▼</td>" in table and "inf" not in table


def test_the_published_rows_and_the_protocol_table():
    table = published.published_table()
    assert table.count("<tr>") == 1 + len(published.PUBLISHED)
    pacgan2 = next(e for e in published.PUBLISHED if e["method"] == "PacGAN2")
    assert pacgan2["grid"] == (23.8, 91.3, 0.13)  # reported in PacGAN's Table 1, grid included
    assert "<td>–</td>" in table  # VEEGAN's table has no reverse KL
    book = {setting: ours for setting, _, ours in published.PROTOCOLS}
    base = recipes.get("base")
    assert book["noise"] == f"{base.latent_dim}-D standard normal"
    assert book["generator"].startswith(f"{base.depth} x {base.width} ReLU")
    assert book["discriminator"].startswith(f"{base.depth} x {base.width} leaky ReLU")
    assert book["batch"] == str(base.batch_size)
    assert book["length"] == f"{base.steps:,} generator steps"
    assert book["training points"] == f"{sweep.TRAIN_POINTS:,} per run"
    assert book["evaluation"].startswith(f"{sweep.EVAL_SAMPLES:,} samples")


def test_ours_table_gives_each_recipes_means_in_the_published_columns():
    def entry(runs, modes, hq, kl):
        return {"runs": runs, "modes": {"mean": modes}, "high_quality": {"mean": hq}, "reverse_kl": {"mean": kl}}

    summary = {("r1", "ring"): entry(10, 8.0, 0.9812, 0.0021), ("r1", "grid"): entry(5, 24.9, 0.97, 0.012),
               ("ring only", "ring"): entry(5, 8.0, 0.9, 0.1)}  # fmt: skip
    table = published.ours_table(summary, {"r1": "stable"})
    assert table.count("<tr>") == 2
    assert "<td>stable</td><td>5</td><td>8.0</td><td>98.1</td><td>0.002</td><td>24.9</td><td>97.0</td>" in table
    assert table.count("<th>") == 2 + 6 and "<th>grid: reverse KL</th>" in table
    # A seed that covers no mode has an infinite reverse KL: the cell counts such seeds.
    lost = {"runs": 4, "modes": {"mean": 0.5}, "high_quality": {"mean": 0.2},
            "reverse_kl": {"mean": np.inf, "values": [np.inf, 2.08, np.inf, 0.5]}}  # fmt: skip
    summary[("lost", "ring")] = summary[("lost", "grid")] = lost
    assert table.count("∞") == 0
    assert "<td>∞ (2 of 4 seeds cover no mode)</td>" in published.ours_table(summary, {"lost": "x"})
    with pytest.raises(ValueError, match="grid"):
        published.ours_table(summary, {"ring only": "x"})
    with pytest.raises(ValueError, match="at least one"):
        published.ours_table(summary, {})


def test_curves_take_the_median_over_seeds_at_steps_every_seed_reached():
    def row(recipe, seed, step, modes):
        return {"recipe": recipe, "dataset": "grid", "seed": seed, "step": step, "modes": modes, "error": None}

    rows = [row("a", 0, 1, 3), row("a", 1, 1, 5), row("a", 2, 1, 10), row("a", 0, 2, 20), row("a", 1, 2, 22)]
    rows += [row("a", 2, 2, 24), row("a", 0, 3, 25), row("b", 0, 1, 1)]  # step 3: only seed 0
    assert results.curves(rows, ["a", "b"], "grid") == {"a": ([1, 2], [5.0, 22.0]), "b": ([1], [1.0])}
    with pytest.raises(ValueError, match="no runs of 'c'"):
        results.curves(rows, ["c"], "grid")


def test_load_costs_reads_the_ratio_column_and_wants_base_at_one(tmp_path):
    path = tmp_path / "costs.csv"
    header = "# command: x\nrecipe,d_steps,seconds_per_1000_steps,ratio_to_base,timings\n"
    path.write_text(header + "base,1,20.0,1.00,20 21\nbase+wgan_gp,5,61.0,3.05,60 61\n")
    assert results.load_costs(path) == {"base": 1.0, "base+wgan_gp": 3.05}
    path.write_text(header + "base,1,20.0,1.10,20 21\n")
    with pytest.raises(ValueError, match="base row"):
        results.load_costs(path)


def test_summarize_takes_each_runs_last_evaluation_and_the_spread_over_seeds():
    def row(seed, step, modes, hq, kl, recipe="stable"):
        return {
            "recipe": recipe,
            "dataset": "grid",
            "seed": seed,
            "step": step,
            "modes": modes,
            "high_quality": hq,
            "reverse_kl": kl,
            "seconds": 1.0,
            "error": None,
        }

    rows = [
        row(0, 1000, 20, 0.5, 0.3),
        row(0, 2000, 25, 0.9, 0.01),
        row(1, 2000, 23, 0.8, 0.05),
        row(2, 2000, 24, 0.7, 0.03),
        {"recipe": "stable", "dataset": "grid", "seed": 3, "error": "boom"},
    ]
    rows.append(row(0, 2000, 1, 0.1, float("inf"), recipe="vanilla"))
    summary = results.summarize(rows)
    stable = summary[("stable", "grid")]
    assert (stable["runs"], stable["failed"], stable["steps"]) == (3, 1, [2000])
    assert stable["modes"]["values"] == [25, 23, 24]
    assert stable["modes"]["mean"] == pytest.approx(24.0)
    assert stable["modes"]["sd"] == pytest.approx(1.0)
    assert stable["modes"]["se"] == pytest.approx(1 / np.sqrt(3))
    assert (stable["high_quality"]["min"], stable["high_quality"]["max"]) == (0.7, 0.9)
    at_1000 = results.summarize(rows, step=1000)[("stable", "grid")]
    assert at_1000["runs"] == 1 and at_1000["modes"]["mean"] == 20 and np.isnan(at_1000["modes"]["se"])
    vanilla = summary[("vanilla", "grid")]
    assert vanilla["reverse_kl"]["mean"] == float("inf") and np.isnan(vanilla["reverse_kl"]["se"])


def test_held_out_table_meets_the_bar_and_tests_the_second_candidate_against_the_first():
    rows = []
    for seed in range(5):
        for mixture, modes in (("ring5", 5), ("grid9", 9)):
            # "plain" meets the bar everywhere; "plus" has more high quality on both mixtures, every
            # seed above every seed of "plain", and on grid9 one seed misses two modes.
            rows.append(_row("plain", mixture, seed, modes, 0.96 + 0.001 * seed, 0.01))
            missing = 2 if (mixture == "grid9" and seed == 0) else 0
            rows.append(_row("plus", mixture, seed, modes - missing, 0.98 + 0.001 * seed, 0.01))
    summary = results.summarize(rows)
    table, meets, verdicts = bar.held_out_table(summary, ["plain", "plus"], {"ring5": 5, "grid9": 9})
    assert meets == {("plain", "ring5"): True, ("plus", "ring5"): True, ("plain", "grid9"): True,
                     ("plus", "grid9"): False}  # fmt: skip
    # 5 seeds against 5, fully separated: p = 2/252 each; Holm over the 2 mixtures doubles the smaller.
    hq = verdicts[("ring5", "high_quality")]
    assert hq["p"] == pytest.approx(2 / 252) and hq["p_holm"] == pytest.approx(2 * 2 / 252)
    assert hq["verdict"] == verdicts[("grid9", "high_quality")]["verdict"] == "better"
    assert verdicts[("ring5", "modes")]["verdict"] == "no difference shown"
    assert verdicts[("grid9", "modes")]["verdict"] == "no difference shown"  # one seed of five
    assert table.count("<tr>") == 1 + 4 and "missed: every seed, mean modes" in table
    assert "98.2 [98.0, 98.4] ▲" in table
    with pytest.raises(ValueError, match="two recipes"):
        bar.held_out_table(summary, ["plain"], {"ring5": 5})


def _row(recipe: str, dataset: str, seed: int, modes: int, high_quality: float, reverse_kl: float) -> dict:
    return {"recipe": recipe, "dataset": dataset, "seed": seed, "step": 100, "modes": modes,
            "high_quality": high_quality, "reverse_kl": reverse_kl, "seconds": 1.0, "error": ""}  # fmt: skip


def test_seed_range_widens_the_stored_seeds_by_one_sd():
    rows = [{"recipe": "m", "dataset": "ring", "seed": s, "step": 10, "modes": m, "high_quality": q,
             "reverse_kl": k} for s, (m, q, k) in enumerate([(6, 0.5, 0.1), (8, 0.7, math.inf)])]  # fmt: skip
    entry = results.summarize(rows)[("m", "ring")]
    low, high = results.seed_range(entry["modes"])
    assert (low, high) == pytest.approx((6 - math.sqrt(2), 8 + math.sqrt(2)))  # sd of (6, 8) is sqrt(2)
    assert results.seed_range(entry["reverse_kl"]) == (0.1, math.inf)  # no finite sd: not widened
    one = results.summarize(rows[:1])[("m", "ring")]
    assert results.seed_range(one["high_quality"]) == (0.5, 0.5)


def test_bar_table_names_the_parts_each_row_misses():
    good, _ = bar_summary([8, 8, 8], [0.99, 0.985, 0.98], [0.01, 0.02, 0.03])
    poor, _ = bar_summary([8, 7, 8], [0.99, 0.99, 0.99], [0.01, 0.02, 0.09])
    summary = {("good", "ring"): good, ("poor", "ring"): poor}
    table, meets = bar.bar_table(summary, {"good": "the good row", "poor": "the poor row"}, ["ring"])
    assert meets == {("good", "ring"): True, ("poor", "ring"): False}
    assert "<th>ring bar</th>" in table and "<td>the good row</td><td>met</td>" in table
    assert "<td>missed: every seed, mean modes, reverse KL</td>" in table
    with pytest.raises(ValueError, match="at least one"):
        bar.bar_table(summary, {})
