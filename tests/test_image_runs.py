"""Chapter 6's image runs: the DCGAN tutorial's networks, the image recipes, and a measured run."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gan_lib import image_runs, judge, models, recipes, result_files, runtime


def tutorial_generator_params(f: int) -> int:
    """Closed form: Dense 100 -> 7*7*4f (no bias), three transposed 5x5 convs (no bias),
    and batch norms with 4 numbers per channel (scale, offset, moving mean and variance)."""
    return 100 * 49 * 4 * f + 4 * 49 * 4 * f + 25 * 4 * f * 2 * f + 4 * 2 * f + 25 * 2 * f * f + 4 * f + 25 * f


def tutorial_discriminator_params(f: int) -> int:
    return (25 * f + f) + (25 * f * 2 * f + 2 * f) + (7 * 7 * 2 * f + 1)


@pytest.mark.parametrize("filters", [64, 32, 8])
def test_the_tutorial_networks_have_the_tutorials_shapes_and_sizes(filters):
    generator = models.tutorial_generator(filters=filters)
    discriminator = models.tutorial_discriminator(filters=filters)
    assert generator.output_shape == (None, 28, 28, 1) and discriminator.output_shape == (None, 1)
    assert generator.count_params() == tutorial_generator_params(filters)
    assert discriminator.count_params() == tutorial_discriminator_params(filters)
    images = generator(np.zeros((3, 100), np.float32), training=False)
    assert float(np.max(np.abs(images))) <= 1.0  # tanh
    if filters == 64:  # the tutorial's own sizes
        assert (generator.count_params(), discriminator.count_params()) == (2_330_944, 212_865)


def test_same_architecture_tells_networks_apart():
    assert models.same_architecture(models.tutorial_generator(), models.tutorial_generator())
    assert not models.same_architecture(models.tutorial_generator(), models.tutorial_generator(filters=32))
    assert not models.same_architecture(models.tutorial_discriminator(), models.tutorial_generator())
    with pytest.raises(ValueError, match="keras.Model"):
        models.same_architecture(models.tutorial_generator(), "generator")


def test_build_gan_builds_the_tutorial_networks_for_images_only():
    recipe = image_runs.TUTORIAL.with_("tiny", width=8)
    gan = recipes.build_gan(recipe, (28, 28, 1), seed=0)
    assert models.same_architecture(gan.generator, models.tutorial_generator(filters=8))
    assert models.same_architecture(gan.discriminator, models.tutorial_discriminator(filters=8))
    with pytest.raises(ValueError, match=r"\(28, 28, 1\)"):
        recipes.build_gan(recipe, 2, seed=0)
    with pytest.raises(ValueError, match="packing"):
        recipes.build_gan(recipe.with_("packed", pack=2), (28, 28, 1), seed=0)
    with pytest.raises(ValueError, match="network"):
        recipes.Recipe("bad", network="resnet")
    with pytest.raises(ValueError):
        recipes.build_gan(recipes.BASE, (28, 28, 1), seed=0)  # an MLP recipe takes a point size


def test_build_gan_builds_the_small_conv_networks_for_any_image_shape():
    recipe = image_runs.RECIPE.with_("small", network="conv", width=8, latent_dim=4)
    for shape in [(8, 8, 1), (12, 16, 3)]:
        gan = recipes.build_gan(recipe, shape, seed=0)
        assert models.same_architecture(gan.generator, models.conv_generator(4, shape, base_filters=8))
        assert models.same_architecture(gan.discriminator, models.conv_discriminator(shape, base_filters=8))
        assert gan.r1 == 1.0
    spectral = recipes.build_gan(recipe.with_("sn", spectral_norm=True), (8, 8, 1), seed=0)
    assert isinstance(spectral.discriminator.layers[0], keras.layers.SpectralNormalization)
    with pytest.raises(ValueError, match="packing"):
        recipes.build_gan(recipe.with_("packed", pack=2), (8, 8, 1), seed=0)
    with pytest.raises(ValueError, match="multiples of 4"):
        recipes.build_gan(recipe, (10, 10, 1), seed=0)


def test_the_image_recipes_differ_as_their_sources_say():
    tutorial, recipe = image_runs.TUTORIAL, image_runs.RECIPE
    assert (tutorial.d_lr, tutorial.g_lr, tutorial.beta_1, tutorial.beta_2) == (1e-4, 1e-4, 0.9, 0.999)
    assert (tutorial.batch_size, tutorial.latent_dim, tutorial.lr_decay) == (256, 100, 0.0)
    assert tutorial.tricks() == {}
    # The recipe: chapter 5's optimiser and schedule, and R1, on the same networks, batch and length.
    stable = recipes.STABLE
    assert (recipe.d_lr, recipe.g_lr, recipe.beta_1, recipe.beta_2, recipe.lr_decay) == (
        stable.d_lr, stable.g_lr, stable.beta_1, stable.beta_2, stable.lr_decay
    )  # fmt: skip
    assert recipe.tricks() == {"r1": 1.0}
    same = ("network", "width", "latent_dim", "batch_size", "steps", "loss")
    assert all(getattr(recipe, name) == getattr(tutorial, name) for name in same)
    assert image_runs.recipe("tutorial") is tutorial
    with pytest.raises(ValueError, match="tutorial, recipe"):
        image_runs.recipe("stable")


def test_the_recipes_r1_weight_is_the_stored_comparisons_choice():
    """RECIPE's gamma is the one with the lowest median classifier FID in image_r1_choice.csv,
    and that file was made with RECIPE's other settings (at the digits' CPU scale)."""
    origin, rows = result_files.read_csv(result_files.RESULTS_DIR / "image_r1_choice.csv")
    scores: dict[float, list[float]] = {}
    for row in rows:
        scores.setdefault(float(row["r1_gamma"]), []).append(float(row["classifier_fid"]))
    assert len(scores) >= 2 and all(len(fids) >= 3 for fids in scores.values())
    assert min(scores, key=lambda gamma: np.median(scores[gamma])) == image_runs.RECIPE.r1
    profile = runtime.scale("cpu", "digits")  # the scale the comparison ran at, GPU or not
    for gamma in scores:
        tried = image_runs.at_scale(image_runs.RECIPE.with_("tried", r1=gamma), profile)
        assert tried.matches(origin[f"recipe r1 {gamma}"]), gamma
    assert "+uncommitted" not in origin["commit"]


def tiny_judge() -> judge.ImageClassifier:
    """An untrained stand-in for the Fashion-MNIST judge: same interface, no training."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((28, 28, 1))
    features = keras.layers.Dense(6, activation="tanh")(keras.layers.Flatten()(inputs))
    logits = keras.layers.Dense(10)(features)
    return judge.ImageClassifier(keras.Model(inputs, logits), keras.Model(inputs, features), 0.0, "", "fashion_mnist")


def fake_images(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)


@pytest.mark.slow  # two short trainings of conv networks: about a minute
def test_train_and_measure_records_each_measurement_and_one_stream_of_batches():
    recipe = image_runs.TUTORIAL.with_("tiny", width=4, batch_size=8, steps=5)
    train, test, classifier = fake_images(40, 0), fake_images(30, 1), tiny_judge()
    lines: list[str] = []
    gan, record = image_runs.train_and_measure(
        recipe, train, test, seed=0, every=2, classifier=classifier, fid_samples=20, log=lines.append
    )
    assert record.step == [2, 4, 5] and gan.steps_done() == 5 and len(lines) == 3
    assert record.raw_fid == record.fid  # no EMA: the raw generator is the one sampled
    assert all(np.isfinite(record.fid)) and all(v > 0 for v in record.fid)
    assert record.seconds == sorted(record.seconds)
    assert [s.shape for s in record.snapshots] == [(36, 28, 28, 1)] * 3
    assert not np.array_equal(record.snapshots[0], record.snapshots[-1])  # training moved the generator
    # Measuring less often does not change the run: the chunks read one stream of batches.
    again, _ = image_runs.train_and_measure(recipe, train, test, seed=0, every=5, classifier=classifier,
                                            fid_samples=20, log=None)  # fmt: skip
    for a, b in zip(gan.generator.get_weights(), again.generator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class Interrupted(Exception):
    pass


@pytest.mark.slow  # three short trainings of conv networks
def test_train_and_measure_continues_a_stopped_run_from_its_state_bit_for_bit(tmp_path):
    recipe = image_runs.TUTORIAL.with_("tiny", width=4, batch_size=8, steps=6)
    train, test, classifier = fake_images(40, 0), fake_images(30, 1), tiny_judge()
    kwargs = dict(seed=0, every=2, classifier=classifier, fid_samples=20)
    whole, whole_record = image_runs.train_and_measure(recipe, train, test, log=None, **kwargs)

    state = tmp_path / "not yet made" / "run.npz"  # the folder is made when needed

    def stop_at_step_4(line: str) -> None:
        if "step 4/" in line:
            raise Interrupted

    with pytest.raises(Interrupted):
        image_runs.train_and_measure(recipe, train, test, log=stop_at_step_4, state_path=state, **kwargs)
    assert state.is_file()
    lines: list[str] = []
    resumed, record = image_runs.train_and_measure(recipe, train, test, log=lines.append, state_path=state,
                                                   **kwargs)  # fmt: skip
    assert "continuing from step 4" in lines[0] and len(lines) == 2  # one more measurement: step 6
    assert record.step == whole_record.step == [2, 4, 6]
    assert record.fid == whole_record.fid and record.d_loss == whole_record.d_loss
    for a, b in zip(whole.generator.get_weights(), resumed.generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(whole_record.snapshots, record.snapshots):
        np.testing.assert_array_equal(a, b)
    assert not list(state.parent.iterdir())  # a finished run removes its state


@pytest.mark.slow
def test_train_and_measure_measures_the_average_apart_when_there_is_one():
    recipe = image_runs.RECIPE.with_("tiny", width=4, batch_size=8, steps=2, ema=0.5)
    _, record = image_runs.train_and_measure(recipe, fake_images(16, 0), fake_images(20, 1), seed=0, every=2,
                                             classifier=tiny_judge(), fid_samples=20, log=None)  # fmt: skip
    assert record.fid[0] != record.raw_fid[0]


def test_train_and_measure_refuses_bad_input():
    train, test = fake_images(16, 0), fake_images(8, 1)
    with pytest.raises(ValueError, match="dcgan_tutorial"):
        image_runs.train_and_measure(recipes.BASE, train, test, seed=0)
    with pytest.raises(ValueError, match=r"\(n, 28, 28, 1\)"):
        image_runs.train_and_measure(image_runs.TUTORIAL, train[:, :14], test, seed=0)
    with pytest.raises(ValueError, match="at least 256"):
        image_runs.train_and_measure(image_runs.TUTORIAL, train, test, seed=0)
    with pytest.raises(ValueError, match="every"):
        image_runs.train_and_measure(image_runs.TUTORIAL, train, test, seed=0, every=0)


def test_evaluate_scores_copies_of_the_training_set_as_memorised():
    train, test, classifier = fake_images(300, 0), fake_images(300, 1), tiny_judge()
    copies = image_runs.evaluate(train[:200], train, test, classifier=classifier,
                                                   memorisation_samples=100)  # fmt: skip
    assert copies["memorisation"]["memorised"] and copies["memorisation"]["close_fraction"] == 1.0
    fresh = image_runs.evaluate(fake_images(200, 2), train, test, classifier=classifier, memorisation_samples=100)
    assert not fresh["memorisation"]["memorised"]
    assert set(copies) == {"fid", "coverage", "pr", "memorisation"}
    assert 0 <= fresh["pr"]["precision"] <= 1 and fresh["coverage"]["classes"] >= 1
    # The same distribution scores a far lower FID than images of another one (all black).
    black = -1.0 + 0.01 * np.abs(fake_images(200, 3))
    assert fresh["fid"] < image_runs.evaluate(black, train, test, classifier=classifier)["fid"] / 10


def test_load_stored_reads_what_the_script_writes_and_beats_compares_seed_ranges(tmp_path):
    from gan_lib import result_files

    origin = {"command": "test"}
    curves, finals, samples = [], [], {}
    fids = {"tutorial": [30.0, 25.0], "recipe": [10.0, 24.0]}
    for name, by_seed in fids.items():
        for seed, fid in enumerate(by_seed):
            for step in (2, 4):
                curves.append([name, seed, step, fid + 4 - step, fid + 5 - step, 0.5, 1.0, step * 1.5])
            finals.append([name, seed, 4, fid, 0.6, 0.4, 10, 0.01, 0.05, 1.1, False, 6.0])
            samples[f"{name}/seed{seed}/steps"] = np.array([2, 4])
            samples[f"{name}/seed{seed}/snapshots"] = np.full((2, 36, 28, 28, 1), seed, np.uint8)
    curve_columns = ["recipe", "seed", "step", "fid", "raw_fid", "d_loss", "g_loss", "seconds"]
    final_columns = ["recipe", "seed", "steps", "fid", "precision", "recall", "classes", "kl_uniform",
                     "close_fraction", "median_ratio", "memorised", "seconds"]  # fmt: skip
    result_files.write_csv(tmp_path / image_runs.CURVES_FILE, curves, curve_columns, origin=origin)
    result_files.write_csv(tmp_path / image_runs.FINAL_FILE, finals, final_columns, origin=origin)
    np.savez_compressed(tmp_path / image_runs.SAMPLES_FILE, **samples)
    stored = image_runs.load_stored(tmp_path)
    assert stored.origin == origin and stored.seeds("recipe") == [0, 1]
    np.testing.assert_array_equal(stored.curves[("recipe", 1)]["fid"], [26.0, 24.0])
    assert stored.final[("tutorial", 0)]["fid"] == 30.0 and stored.final[("tutorial", 0)]["memorised"] is False
    steps, images = stored.snapshots[("tutorial", 1)]
    assert list(steps) == [2, 4] and images.shape == (2, 36, 28, 28, 1) and images.max() == 1
    # recipe's worst seed (24) is below tutorial's best (25): it beats it by more than the seed spread.
    verdict = image_runs.beats(stored, "recipe", "tutorial")
    assert verdict["beats"] and verdict["scores"] == {"recipe": [10.0, 24.0], "tutorial": [30.0, 25.0]}
    assert not image_runs.beats(stored, "tutorial", "recipe")["beats"]
    with pytest.raises(ValueError, match="no finished runs"):
        image_runs.beats(stored, "recipe", "vanilla")
