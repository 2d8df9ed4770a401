"""Chapter 6's runs on 28x28 Fashion-MNIST: the DCGAN tutorial against the book's recipe.

Both recipes train the TensorFlow DCGAN tutorial's networks (``models.tutorial_generator``
and ``tutorial_discriminator``) for the same number of generator steps on the same batches:

- ``TUTORIAL``: the tutorial's own settings, the non-saturating loss and Adam 1e-4 with
  Keras' default betas (0.9, 0.999) for both players at a constant rate, batch 256, noise 100;
- ``RECIPE``: the book's recommended recipe (chapter 5: the tuned base plus R1) carried over to
  images: its optimiser and schedule (Adam 1e-3, betas (0.5, 0.9), both rates decayed linearly
  to 0 over the second half) and R1 on the real images, on the same networks, batch and noise.
  What had to change for images is said in its ``source``.

``train_and_measure`` runs one recipe and records the classifier FID (against the test
split, through ``judge.fashion_classifier``) every ``every`` steps, with the mean losses and
a fixed-noise batch of samples; ``evaluate`` scores a finished generator.  The stored runs
are made by ``scripts/fashion_runs.py``; ``load_stored`` reads them back and ``beats``
compares two recipes' final scores over seeds.  ``at_scale`` puts either recipe on small conv
networks at a scale that trains live, and ``train_images`` trains it (chapter 6's 8x8 digits).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gan_lib import chunked, judge, metrics, models, recipes, result_files, runtime, training
from gan_lib._checks import finite_array, positive_int
from gan_lib._checks import seed as check_seed

# On 2 CPU cores one step of the tutorial's full-size networks (64 filters) at batch 256 took
# about 5 s and one at 32 filters about 1 s (measured side by side, one thread each): the
# stored runs use 32, the GPU section 64.
CPU_FILTERS = 32
STEPS = 2_000

TUTORIAL = recipes.Recipe(
    "tutorial",
    network="dcgan_tutorial",
    loss="non_saturating",
    d_lr=1e-4,
    g_lr=1e-4,
    beta_1=0.9,
    beta_2=0.999,
    lr_decay=0.0,
    width=CPU_FILTERS,
    latent_dim=models.TUTORIAL_LATENT_DIM,
    batch_size=256,
    steps=STEPS,
    source="the TensorFlow DCGAN tutorial: non-saturating loss, Adam(1e-4) with Keras' default betas for "
    "both players, batch 256, noise 100",
)
RECIPE = TUTORIAL.with_(
    "recipe",
    d_lr=recipes.STABLE.d_lr,
    g_lr=recipes.STABLE.g_lr,
    beta_1=recipes.STABLE.beta_1,
    beta_2=recipes.STABLE.beta_2,
    lr_decay=recipes.STABLE.lr_decay,
    r1=1.0,
    source="chapter 5's recipe (base + R1) on images: its optimiser and schedule, and R1 gamma 1.0, "
    "not the 2-D recipe's 0.1 (of 1.0 and 0.3, 1.0 gave the lower median classifier FID over seeds 0-2 "
    "on the 8x8 digits, 6.34 against 6.89, with overlapping ranges; book/results/image_r1_choice.csv)",
)
RECIPES: dict[str, recipes.Recipe] = {r.name: r for r in (TUTORIAL, RECIPE)}
SNAPSHOT_SEED = 7  # the fixed noise of the sample grids and the animation
FID_SAMPLES = 10_000  # generated images per classifier FID, as many as the test split has


def recipe(name: str) -> recipes.Recipe:
    """The image recipe called ``name`` (one of ``RECIPES``)."""
    if not isinstance(name, str) or name not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}; got {name!r}")
    return RECIPES[name]


@dataclasses.dataclass
class Record:
    """What ``train_and_measure`` records at each measurement."""

    step: list[int] = dataclasses.field(default_factory=list)
    fid: list[float] = dataclasses.field(default_factory=list)  # from the samples the recipe uses (EMA if any)
    raw_fid: list[float] = dataclasses.field(default_factory=list)  # from the raw generator
    d_loss: list[float] = dataclasses.field(default_factory=list)  # mean since the previous measurement
    g_loss: list[float] = dataclasses.field(default_factory=list)
    seconds: list[float] = dataclasses.field(default_factory=list)  # training time so far
    snapshots: list[np.ndarray] = dataclasses.field(default_factory=list)  # 36 images from SNAPSHOT_SEED


class _Judge:
    """The classifier and the test split's features, computed once per run."""

    def __init__(self, test_images: np.ndarray, classifier: judge.ImageClassifier) -> None:
        self.classifier = classifier
        self.test_features = classifier.features(test_images)

    def fid(self, images: np.ndarray) -> float:
        return metrics.frechet_distance(self.test_features, self.classifier.features(images))


def train_and_measure(
    chosen: recipes.Recipe,
    train_images: np.ndarray,
    test_images: np.ndarray,
    *,
    seed: int,
    every: int = 200,
    classifier: judge.ImageClassifier | None = None,
    fid_samples: int = FID_SAMPLES,
    log: Callable[[str], None] | None = print,
    state_path: str | os.PathLike | None = None,
) -> tuple[training.GAN, Record]:
    """Train ``chosen`` on ``train_images`` for ``chosen.steps`` steps, measuring every ``every``.

    ``chunked.fit_in_chunks`` trains it: batches from ``data.as_dataset`` (reshuffled every
    pass, seeded by ``seed``), one stream however often the run is measured.
    Each measurement records the classifier FID of ``fid_samples`` generated images against
    ``test_images`` (both from the averaged generator when the recipe has an EMA, and from
    the raw one), the mean losses since the last measurement, and 36 samples of fixed noise.

    With ``state_path`` (a ``.npz`` file) the GAN's full state and the record so far are saved
    after every measurement, and a run that finds the file continues from it with the same
    weights, optimiser moments, noise and batches (``GAN.save_state``).  The file is removed when
    the run ends.
    """
    if not isinstance(chosen, recipes.Recipe) or chosen.network != "dcgan_tutorial":
        raise ValueError(f"chosen must be a Recipe with network 'dcgan_tutorial', got {chosen!r}")
    seed = check_seed(seed)
    every = positive_int(every, "every")
    fid_samples = positive_int(fid_samples, "fid_samples")
    train_images = _images(train_images, "train_images")
    test_images = _images(test_images, "test_images")
    if len(train_images) < chosen.batch_size:
        raise ValueError(f"train_images needs at least {chosen.batch_size} images (a batch), got {len(train_images)}")
    judged = _Judge(test_images, classifier or judge.fashion_classifier())
    gan = recipes.build_gan(chosen, models.TUTORIAL_IMAGE_SHAPE, seed=seed)
    record = Record()
    if state_path is not None and pathlib.Path(state_path).is_file():
        gan.load_state(state_path)
        record = _load_record(_record_path(state_path), until=gan.steps_done())
        if not record.step or record.step[-1] != gan.steps_done():
            raise ValueError(f"{state_path}: the state is at step {gan.steps_done()}, its record is not")
        if log is not None:
            log(f"{chosen.name} seed {seed}: continuing from step {gan.steps_done()} ({state_path})")
    start = time.perf_counter()
    clock = {"trained": record.seconds[-1] if record.seconds else 0.0, "since": start}

    def measure(gan: training.GAN, step: int) -> None:
        clock["trained"] += time.perf_counter() - clock["since"]  # training time alone
        record.step.append(step)
        record.d_loss.append(float(gan.d_loss_tracker.result()))
        record.g_loss.append(float(gan.g_loss_tracker.result()))
        record.fid.append(judged.fid(gan.sample(fid_samples, seed=1)))
        # Without an EMA the raw generator is the one sampled: no need to measure it twice.
        raw = judged.fid(gan.sample(fid_samples, seed=1, average=False)) if chosen.ema else record.fid[-1]
        record.raw_fid.append(raw)
        record.seconds.append(clock["trained"])
        record.snapshots.append(gan.sample(36, seed=SNAPSHOT_SEED))
        if state_path is not None:  # the record first: a state never runs ahead of its record
            _save_record(record, _record_path(state_path))
            gan.save_state(state_path)
        if log is not None:
            log(
                f"{chosen.name} seed {seed}: step {step}/{chosen.steps}, FID {record.fid[-1]:.2f} "
                f"(raw {record.raw_fid[-1]:.2f}), {clock['trained']:.0f} s training, "
                f"{time.perf_counter() - start:.0f} s in all"
            )
        clock["since"] = time.perf_counter()

    chunked.fit_in_chunks(
        gan, train_images, chosen.batch_size, seed=seed, until=chosen.steps, every=every, callback=measure
    )
    if state_path is not None:
        for path in (pathlib.Path(state_path), _record_path(state_path)):
            path.unlink(missing_ok=True)
    return gan, record


def _record_path(state_path: str | os.PathLike) -> pathlib.Path:
    path = pathlib.Path(state_path)
    return path.with_name(path.stem + ".record.npz")


def _save_record(record: Record, path: pathlib.Path) -> None:
    arrays = {f.name: np.asarray(getattr(record, f.name)) for f in dataclasses.fields(Record)}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, path)  # atomic: a run killed while saving keeps the previous record


def _load_record(path: pathlib.Path, until: int) -> Record:
    """The saved record's measurements up to step ``until`` (a run killed between saving its
    record and its state leaves one measurement more in the record)."""
    with np.load(path) as saved:
        kept = int(np.sum(saved["step"] <= until))
        return Record(**{
            f.name: list(saved[f.name][:kept]) if f.name == "snapshots" else saved[f.name][:kept].tolist()
            for f in dataclasses.fields(Record)
        })  # fmt: skip


def evaluate(
    fake_images: np.ndarray,
    train_images: np.ndarray,
    test_images: np.ndarray,
    *,
    classifier: judge.ImageClassifier | None = None,
    memorisation_samples: int = 1_000,
) -> dict[str, Any]:
    """Score generated images: classifier FID against the test split, class coverage,
    precision and recall (k=3, in the classifier's features, against the test split) and
    memorisation (the first ``memorisation_samples`` images against the training split)."""
    fake_images = _images(fake_images, "fake_images")
    classifier = classifier or judge.fashion_classifier()
    test_features = classifier.features(_images(test_images, "test_images"))
    fake_features = classifier.features(fake_images)
    return {
        "fid": metrics.frechet_distance(test_features, fake_features),
        "coverage": judge.class_coverage(fake_images, classifier=classifier),
        "pr": metrics.precision_recall(test_features, fake_features),
        "memorisation": metrics.memorisation(
            fake_images[: positive_int(memorisation_samples, "memorisation_samples")], train_images, test_images
        ),
    }


def _images(images: object, name: str) -> np.ndarray:
    images = finite_array(images, name, np.float32)
    if images.ndim != 4 or images.shape[1:] != models.TUTORIAL_IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape (n, 28, 28, 1), got {images.shape}")
    return images


# ---------------------------------------------------------------------------------------------
# The stored runs (scripts/fashion_runs.py), as chapter 6 reads them.

RESULTS = result_files.RESULTS_DIR
CURVES_FILE, FINAL_FILE, SAMPLES_FILE = "fashion_curves.csv", "fashion_final.csv", "fashion_samples.npz"


@dataclasses.dataclass
class Stored:
    """The stored runs: provenance, the curves and final scores per (recipe, seed), and the samples."""

    origin: dict[str, str]
    curves: dict[tuple[str, int], dict[str, np.ndarray]]  # columns step, fid, raw_fid, d_loss, g_loss, seconds
    final: dict[tuple[str, int], dict[str, float]]
    snapshots: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]  # (steps, uint8 images (k, 36, 28, 28, 1))

    def seeds(self, name: str) -> list[int]:
        """The seeds of recipe ``name`` that finished, in order."""
        return sorted(seed for recipe_name, seed in self.final if recipe_name == name)


def load_stored(folder: str | os.PathLike = RESULTS) -> Stored:
    """Read the three files ``scripts/fashion_runs.py`` writes into ``folder``."""
    folder = pathlib.Path(folder)
    origin, curve_rows = result_files.read_csv(folder / CURVES_FILE)
    _, final_rows = result_files.read_csv(folder / FINAL_FILE)
    curves: dict[tuple[str, int], dict[str, list[float]]] = {}
    for row in curve_rows:
        entry = curves.setdefault((row["recipe"], int(row["seed"])), {})
        for column, value in row.items():
            if column not in ("recipe", "seed"):
                entry.setdefault(column, []).append(float(value))
    final = {
        (row["recipe"], int(row["seed"])): {
            k: (v == "True" if k == "memorised" else float(v)) for k, v in row.items() if k not in ("recipe", "seed")
        }
        for row in final_rows
    }
    snapshots = {}
    with np.load(folder / SAMPLES_FILE) as stored:
        for key in final:
            name, seed = key
            snapshots[key] = (stored[f"{name}/seed{seed}/steps"], stored[f"{name}/seed{seed}/snapshots"])
    arrays = {key: {k: np.asarray(v) for k, v in entry.items()} for key, entry in curves.items()}
    return Stored(origin, arrays, final, snapshots)


def beats(stored: Stored, better: str, than: str, score: str = "fid") -> dict[str, Any]:
    """Does recipe ``better`` beat recipe ``than`` on a final score (lower is better) by more than
    the seed spread?  True when even its worst seed scores below the other's best seed, so that
    the two ranges over seeds do not overlap.  Also returns each recipe's scores by seed."""
    scores = {}
    for name in (better, than):
        seeds = stored.seeds(name)
        if not seeds:
            raise ValueError(f"no finished runs of {name!r}")
        scores[name] = [stored.final[(name, seed)][score] for seed in seeds]
    return {"beats": max(scores[better]) < min(scores[than]), "scores": scores}


# ---------------------------------------------------------------------------------------------
# The same two recipes on small conv networks, at a scale that trains live (chapter 6's digits).


def at_scale(chosen: recipes.Recipe | str, profile: runtime.Scale) -> recipes.Recipe:
    """Recipe ``chosen`` (a ``Recipe`` or a name of ``RECIPES``) on the small conv networks
    (``models.conv_generator`` / ``conv_discriminator``) with the steps, batch size, width and
    noise size of ``profile`` (``runtime.choose_scale()``); every other setting is kept."""
    chosen = recipe(chosen) if isinstance(chosen, str) else chosen
    if not isinstance(chosen, recipes.Recipe):
        raise ValueError(f"recipe must be a gan_lib.recipes.Recipe or one of {', '.join(RECIPES)}; got {chosen!r}")
    if not isinstance(profile, runtime.Scale):
        raise ValueError(f"profile must be a gan_lib.runtime.Scale, got {type(profile).__name__}")
    return chosen.with_(
        chosen.name,
        network="conv",
        steps=profile.steps,
        batch_size=profile.batch_size,
        width=profile.base_filters,
        latent_dim=profile.latent_dim,
    )


def train_images(
    images: np.ndarray,
    *,
    recipe: recipes.Recipe | str,
    seed: int,
    profile: runtime.Scale,
    every: int | None = None,
    callback: Callable[[training.GAN, int], None] | None = None,
) -> training.GAN:
    """Train ``recipe`` (``at_scale(recipe, profile)``: the small conv networks at the scale of
    ``profile``) on ``images`` of ``profile.image_shape``.

    ``chunked.train`` trains it: ``callback(gan, steps_done)`` runs after every ``every`` steps
    and at the end, and the batches are one seeded stream however often it runs.
    """
    chosen = at_scale(recipe, profile)
    images = finite_array(images, "images", np.float32)
    if images.ndim != 4 or images.shape[1:] != profile.image_shape:
        raise ValueError(f"images must have shape (n, {', '.join(map(str, profile.image_shape))}), got {images.shape}")
    if len(images) < chosen.batch_size:
        raise ValueError(f"images must have at least {chosen.batch_size} rows (the batch size), got {len(images)}")
    return chunked.train(images, chosen, seed=seed, every=every, callback=callback)
