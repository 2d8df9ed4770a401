"""Recipes as values: immutability, one change at a time in the ablation, build_gan; the first edition's dicts."""

import dataclasses
import re

import keras
import numpy as np
import pytest

import gan_lib as gl
from gan_lib import recipes, result_files, sweep

BASE = recipes.get("base")


def differences(a: recipes.Recipe, b: recipes.Recipe) -> set[str]:
    """The settings in which two recipes differ (name and source aside)."""
    skip = {"name", "source"}
    return {f.name for f in dataclasses.fields(a) if f.name not in skip and getattr(a, f.name) != getattr(b, f.name)}


def test_a_recipe_is_immutable_and_varied_by_replace():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BASE.r1 = 1.0  # type: ignore[misc]
    stronger = BASE.with_("base+r1 strong", r1=1.0)
    assert BASE.r1 == 0.0 and stronger.r1 == 1.0 and stronger.name == "base+r1 strong"
    assert differences(BASE, stronger) == {"r1"}


def test_every_row_trains_for_the_same_number_of_generator_steps_on_the_same_networks_and_batch():
    for chosen in recipes.ABLATION.values():
        assert chosen.steps == recipes.STEPS == 15_000, chosen.name
        assert (chosen.width, chosen.depth, chosen.latent_dim, chosen.batch_size) == (128, 4, 16, 512), chosen.name
        assert chosen.source, f"{chosen.name} cites no source for its settings"


def test_the_tuned_base_is_vanilla_with_another_optimiser_and_schedule_only():
    assert differences(recipes.get("vanilla"), BASE) == {"d_lr", "g_lr", "beta_2", "lr_decay"}
    assert (BASE.d_lr, BASE.beta_1, BASE.beta_2, BASE.lr_decay) == (1e-3, 0.5, 0.9, 0.5)


@pytest.mark.parametrize(
    "name, changed",
    [
        ("base+r1", {"r1"}),
        ("base+r2", {"r2"}),
        ("base+ema", {"ema"}),
        ("base+wgan_gp", {"loss", "gradient_penalty", "d_steps"}),
        ("base+wgan_clip", {"loss", "clip_weights", "d_steps"}),
        ("base+label_smoothing", {"label_smoothing"}),
        ("base+instance_noise", {"instance_noise", "instance_noise_steps"}),
        ("base+spectral_norm", {"spectral_norm"}),
        ("base+ttur", {"d_lr", "g_lr"}),
        ("base+d_steps", {"d_steps"}),
        ("base+pack", {"pack"}),
        ("base+tuned_lr", {"d_lr", "g_lr"}),
        ("base+l1", {"d_l1", "g_l1"}),
        ("base+l2", {"d_l2", "g_l2"}),
        ("base+adam_default_betas", {"beta_1", "beta_2"}),
    ],
)
def test_each_fix_row_is_the_base_plus_that_fix_alone(name, changed):
    assert differences(BASE, recipes.get(name)) == changed


def test_the_fixes_run_at_their_published_settings():
    gp = recipes.get("base+wgan_gp")
    assert (gp.loss, gp.gradient_penalty, gp.d_steps) == ("wasserstein", 10.0, 5)  # Gulrajani et al. 2017
    paper = recipes.get("wgan_gp_paper")
    assert (paper.d_lr, paper.g_lr, paper.beta_1, paper.beta_2, paper.lr_decay) == (1e-4, 1e-4, 0.5, 0.9, 0.0)
    clip = recipes.get("wgan_clip_paper")
    assert (clip.optimizer, clip.d_lr, clip.clip_weights, clip.d_steps, clip.lr_decay) == ("rmsprop", 5e-5, 0.01, 5, 0)
    ttur = recipes.get("base+ttur")
    assert (ttur.d_lr, ttur.g_lr) == (4e-4, 1e-4)  # SAGAN's rates
    assert recipes.get("base+pack").pack == 4 and recipes.get("base+ema").ema == 0.999


@pytest.mark.parametrize(
    "name, removed",
    [
        ("base+r1", {"ema"}),
        ("base+ema", {"r1"}),
        ("base+r1+ema-decay", {"lr_decay"}),
        ("base+r1+ema-beta2", {"beta_2"}),
        ("base+r1+ema-lr", {"d_lr", "g_lr"}),
        ("base", {"r1", "ema"}),
    ],
)
def test_each_leave_one_out_row_removes_one_component_of_the_recipe(name, removed):
    assert differences(recipes.get("base+r1+ema"), recipes.get(name)) == removed


def test_the_proposals_run_on_both_baselines_with_the_same_change():
    for proposal in ("tuned_lr", "l1", "l2", "adam_default_betas"):
        on_vanilla, on_base = recipes.get(f"vanilla+{proposal}"), recipes.get(f"base+{proposal}")
        changed = differences(recipes.get("vanilla"), on_vanilla) | differences(BASE, on_base)
        assert changed, proposal
        for field in changed:  # the proposal sets these fields to the same values on both baselines
            assert getattr(on_vanilla, field) == getattr(on_base, field), (proposal, field)
        assert differences(on_vanilla, on_base) <= differences(recipes.get("vanilla"), BASE), proposal


def test_tricks_are_the_compile_keywords_that_are_switched_on():
    assert BASE.tricks() == {}
    assert recipes.get("base+r1+ema").tricks() == {"r1": 0.1, "ema": 0.999}
    assert recipes.get("base+wgan_gp").tricks() == {"gradient_penalty": 10.0, "d_steps": 5}


def test_settings_name_every_field_but_name_and_source():
    text = recipes.get("base+r1+ema").settings()
    assert "r1=0.1" in text and "ema=0.999" in text and "lr_decay=0.5" in text and "steps=15000" in text
    assert "source" not in text and "base+r1+ema" not in text


def test_a_recorded_recipe_matches_itself_and_tolerates_only_new_fields_at_their_defaults():
    chosen = recipes.get("base+r1+ema")
    recorded = chosen.settings()
    assert chosen.matches(recorded)
    assert not dataclasses.replace(chosen, r1=1.0).matches(recorded)
    assert not recipes.get("base").matches(recorded)
    # A line written before a field existed: it matches only while the field keeps its default.
    older = re.sub(r", ema=[^,]*", "", recorded)
    assert older != recorded and recipes.get("base+r1").matches(older)
    assert not chosen.matches(older)
    assert not chosen.matches(recorded + ", retired_setting=3")  # a setting the code no longer has
    with pytest.raises(ValueError, match="settings"):
        chosen.matches("1, 2")


def test_build_gan_compiles_what_the_recipe_says():
    chosen = recipes.get("base+wgan_gp").with_("short", steps=100)
    gan = recipes.build_gan(chosen, 2, seed=0)
    assert gan.gradient_penalty == 10.0 and gan.d_steps == 5
    assert gan.discriminator.input_shape[-1] == 2
    schedule = gan.d_optimizer.learning_rate  # the decay counts the discriminator's 5 updates per step
    assert isinstance(gan.d_optimizer._learning_rate, recipes.DecayAtEnd)
    assert gan.d_optimizer._learning_rate.end == 500 and gan.g_optimizer._learning_rate.end == 100
    assert float(schedule) == pytest.approx(1e-3)
    packed = recipes.build_gan(recipes.get("base+pack"), 2, seed=0)
    assert packed.discriminator.input_shape[-1] == 8


def test_build_gan_is_deterministic_in_its_seed():
    first = recipes.build_gan(BASE, 2, seed=3).generator.get_weights()
    second = recipes.build_gan(BASE, 2, seed=3).generator.get_weights()
    other = recipes.build_gan(BASE, 2, seed=4).generator.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_the_decay_schedule_is_constant_then_linear_to_zero():
    schedule = recipes.DecayAtEnd(1e-3, 50, 100)
    values = [float(schedule(step)) for step in (0, 50, 75, 100, 120)]
    assert values == pytest.approx([1e-3, 1e-3, 5e-4, 0.0, 0.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: recipes.get("stable2"), "recipe must be one of"),
        (lambda: recipes.Recipe(""), "non-empty name"),
        (lambda: recipes.Recipe("x", optimizer="sgd"), "optimizer"),
        (lambda: recipes.Recipe("x", lr_decay=1.5), "lr_decay"),
        (lambda: recipes.Recipe("x", steps=0), "steps"),
        (lambda: recipes.build_gan("base", 2, seed=0), "Recipe"),
        (lambda: recipes.build_gan(BASE, 2, seed=None), "seed"),
        (lambda: recipes.build_gan(BASE, 0, seed=0), "data_dim"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_ablation_plan_has_every_row_and_the_key_rows_ten_times():
    jobs = sweep.ablation_jobs()
    assert len(jobs) == len(set((r.name, d, s) for r, d, s in jobs))
    for name in recipes.ABLATION:
        seeds = {s for r, d, s in jobs if r.name == name and d == "grid"}
        assert seeds == set(range(10 if name in recipes.KEY_ROWS else 5)), name
    held_out = {(r.name, d, s) for r, d, s in jobs if d in sweep.HELD_OUT}
    expected = {(n, d, s) for n in sweep.HELD_OUT_RECIPES for d in sweep.HELD_OUT for s in range(5)}
    assert held_out == expected
    # They come right after the key rows' extra seeds, before the other rows.
    key_extra = 2 * 5 * len(recipes.KEY_ROWS)
    start = 2 * 5 * len(sweep.FIRST_ROWS) + key_extra
    assert all(d in sweep.HELD_OUT for _, d, _ in jobs[start : start + len(expected)])
    assert all(s >= 5 and r.name in recipes.KEY_ROWS for r, _, s in jobs[start - key_extra : start])
    first = {r.name for r, _, _ in jobs[: 2 * 5 * len(sweep.FIRST_ROWS)]}
    assert first == set(sweep.FIRST_ROWS)
    # Then the source's proposals on both baselines, then every other row.
    after = start + len(expected)
    proposals = jobs[after : after + 2 * 5 * len(recipes.PROPOSAL_ROWS)]
    assert {(r.name, d, s) for r, d, s in proposals} == {
        (n, d, s) for n in recipes.PROPOSAL_ROWS for d in sweep.DATASETS for s in range(5)
    }
    assert len(recipes.PROPOSAL_ROWS) == 8 and all(n in recipes.ABLATION for n in recipes.PROPOSAL_ROWS)
    assert len(recipes.SINGLE_FIX_ROWS) == 13 and set(recipes.SINGLE_FIX_ROWS) <= set(recipes.ABLATION)
    # The other rows one at a time, each with all its seeds, by discriminator steps per G step.
    rest = jobs[after + len(proposals) :]
    names = [r.name for r, _, _ in rest]
    order = list(dict.fromkeys(names))
    assert all(names[i * 10 : (i + 1) * 10] == [name] * 10 for i, name in enumerate(order))
    d_steps = [recipes.get(name).d_steps for name in order]
    assert d_steps == sorted(d_steps) and d_steps[0] == 1 and d_steps[-1] == 5
    assert order.index("base+d_steps") < order.index("base+wgan_gp")


def test_the_readmes_cost_of_each_chapter_5_table_follows_from_the_plan_and_the_costs():
    readme = (result_files.RESULTS_DIR.parents[1] / "README.md").read_text()
    found = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d+( each)?", cells[3]):
            found[cells[0]] = (int(cells[3].split()[0]), float(cells[4].split()[0]))
    plan = [(r.name, d) for r, d, _ in sweep.ablation_jobs()]
    cost = gl.results.load_costs(result_files.RESULTS_DIR / "recipe_costs.csv")

    def runs_and_hours(names, datasets=sweep.DATASETS):
        runs = [name for name, dataset in plan if name in names and dataset in datasets]
        return len(runs), sum(150 * cost[name] for name in runs) / 2 / 3600  # two at a time

    expected = {
        "which parts of the recipe matter": runs_and_hours(
            {"base+r1+ema", "base+ema", "base+r1", "base", "base+r1+ema-decay", "base+r1+ema-beta2",
             "base+r1+ema-lr"}),  # fmt: skip
        "mixtures the recipe was not chosen on": runs_and_hours(set(sweep.HELD_OUT_RECIPES), tuple(sweep.HELD_OUT)),
        "one fix at a time": runs_and_hours({"base", *recipes.SINGLE_FIX_ROWS}),
        "the source's proposals": runs_and_hours({"vanilla"} | {n for n in recipes.PROPOSAL_ROWS if "vanilla" in n}),
        "beside the published rows": runs_and_hours({"vanilla", "base", "base+pack", "base+r1"}),
    }
    assert set(found) == set(expected)
    for table, (runs, hours) in expected.items():
        assert found[table][0] == runs and found[table][1] == pytest.approx(hours, abs=0.05), table


@pytest.mark.slow
def test_a_resumed_sweep_refuses_a_recipe_whose_settings_changed(tmp_path):
    out = tmp_path / "tiny.csv"
    tiny = recipes.Recipe("tiny", width=8, depth=1, batch_size=16, steps=2)
    sweep.sweep_jobs([(tiny, "ring", 0)], out=out, every=1, log=lambda line: None)
    text = out.read_text()
    assert f"# recipe tiny: {tiny.settings()}" in text
    changed = dataclasses.replace(tiny, r1=1.0)
    with pytest.raises(ValueError, match="resume"):
        sweep.sweep_jobs([(changed, "ring", 0)], out=out, every=1, resume=True, log=lambda line: None)
    assert out.read_text() == text
    sweep.sweep_jobs([(tiny, "ring", 0), (tiny, "grid", 0)], out=out, every=1, resume=True, log=print)
    _, rows = result_files.load_results(out)
    assert {(row["dataset"], row["step"]) for row in rows} == {("ring", 1), ("ring", 2), ("grid", 1), ("grid", 2)}
    keras.backend.clear_session()


def test_the_stored_ablation_traces_to_these_recipes_and_every_run_is_complete():
    origin, rows = result_files.load_results(result_files.ABLATION_RESULTS)
    commits = [origin["commit"]] + [value.split(",")[1] for key, value in origin.items() if key.startswith("resumed")]
    assert all("uncommitted" not in commit for commit in commits), commits  # made from a clean tree
    assert origin["settings"] == "ablation, every=1000"
    runs: dict[tuple[str, str, int], list[int]] = {}
    for row in rows:
        assert row["error"] is None, row
        runs.setdefault((row["recipe"], row["dataset"], row["seed"]), []).append(row["step"])
    assert runs, "the stored ablation has no finished run yet"
    planned = {(r.name, d, s) for r, d, s in sweep.ablation_jobs()}
    for key, steps in runs.items():
        assert key in planned, key
        assert recipes.get(key[0]).matches(origin[f"recipe {key[0]}"]), key[0]
        assert sorted(steps) == list(range(1_000, recipes.STEPS + 1, 1_000)), key


def test_the_held_out_mixtures_are_what_their_names_say():
    for name, (modes, nearest, std) in {
        "ring5_r2": (5, 2 * 2.0 * np.sin(np.pi / 5), 0.02),
        "ring12": (12, 2 * np.sin(np.pi / 12), 0.01),
        "grid4_s3": (16, 3.0, 0.1),
        "grid6": (36, 2.0, 0.05),
    }.items():
        points, centers, found_std = sweep.sweep_dataset(name, seed=1, n=4_000)
        distances = np.linalg.norm(centers[:, None] - centers[None], axis=-1) + np.eye(len(centers)) * 1e9
        assert len(centers) == modes and found_std == std, name
        assert np.allclose(distances.min(axis=1), nearest, rtol=1e-5), name
        scores = gl.metrics.mode_coverage(points, centers, std)  # the data itself scores as a perfect sampler
        assert scores["modes"] == modes and scores["high_quality"] > 0.98, (name, scores)
    with pytest.raises(ValueError, match="ring5_r2"):
        sweep.sweep_dataset("moons")


@pytest.mark.parametrize("name", list(recipes.ABLATION))
def test_build_gan_sets_up_what_each_row_says(name):
    chosen = recipes.get(name)
    gan = recipes.build_gan(chosen, 2, seed=0)
    assert gan.adversarial_loss.name == chosen.loss
    assert gan.discriminator.input_shape[-1] == 2 * chosen.pack
    assert gan.generator.input_shape[-1] == chosen.latent_dim
    assert len(gan.generator.layers) == chosen.depth + 1
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(chosen.d_lr)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(chosen.g_lr)
    kind = keras.optimizers.Adam if chosen.optimizer == "adam" else keras.optimizers.RMSprop
    assert isinstance(gan.d_optimizer, kind) and isinstance(gan.g_optimizer, kind)
    for trick, value in chosen.tricks().items():
        assert getattr(gan, trick) == value, trick
    wrapped = [layer for layer in gan.discriminator.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == (chosen.depth + 1 if chosen.spectral_norm else 0)
