"""Named training recipes for the stability experiments, and one function that trains one.

A recipe is a plain dict: the adversarial loss, the tricks passed to ``GAN.compile``, the
optimiser, the MLP architecture, the batch size and the default number of steps.  Every
recipe except "stable" is "vanilla" with one fix added (with the settings that fix usually
comes with, e.g. 5 critic steps for the WGANs), so each row of the ablation table isolates
one fix.

- "vanilla": non-saturating loss, no regulariser, MLP 4x128, z 16, Adam 2e-4 (0.5, 0.999),
  batch 512, 10k steps (the networks and batch of "stable", so that only the fixes differ).
- The source document's three proposals, as it states them: "tuned_lr" (change the
  players' learning rates: both 1e-4), "l2" (L2 weight decay on both players; "l1" too),
  "adam_default_betas" (use Adam, here with its default betas (0.9, 0.999)).
- One recipe per modern fix: "r1", "r2", "wgan_gp", "wgan_clip", "label_smoothing",
  "instance_noise", "spectral_norm", "ttur", "d_steps", "ema", "pack".
- "stable": non-saturating + R1 (gamma 0.1) + generator EMA (0.999), MLP 4x128, z 16,
  Adam 1e-3 (0.5, 0.9), batch 512, 15k steps, and both learning rates decayed linearly to 0
  over the second half of training (``lr_decay`` 0.5).  On the grid, seed 0, the decay takes
  the high-quality fraction at 15k steps from 92.8% to 96.7% (reverse KL 0.0083 -> 0.0043;
  ``scripts/lr_decay_effect.py``, stored in ``book/results/lr_decay_effect.csv``).

The sweep (``sweep``, or ``python -m gan_lib.experiments --help``) trains method x dataset x
seed, scores ``metrics.mode_coverage`` on 2,500 samples every ``every`` steps, and writes
``book/results/stability.csv`` with provenance lines; ``load_results`` and ``summarize`` read it.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import multiprocessing
import pathlib
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from gan_lib import data, metrics, models, recipes, runtime, training
from gan_lib._checks import finite_array, finite_matrix, positive_int
from gan_lib._checks import seed as check_seed

VANILLA: dict[str, Any] = {
    "loss": "non_saturating",
    "tricks": {},  # keyword arguments of GAN.compile
    "optimizer": "adam",  # "adam" or "rmsprop"
    "d_lr": 2e-4,
    "g_lr": 2e-4,
    "beta_1": 0.5,  # Adam only
    "beta_2": 0.999,
    "width": 128,
    "depth": 4,
    "latent_dim": 16,
    "spectral_norm": False,
    "batch_size": 512,
    "steps": 10_000,
    "lr_decay": 0.0,  # fraction of the steps, at the end, over which both learning rates fall linearly to 0
}


def _variant(**changes: Any) -> dict[str, Any]:
    unknown = set(changes) - set(VANILLA)
    if unknown:
        raise ValueError(f"unknown recipe keys: {sorted(unknown)}")
    return {**VANILLA, **changes}


METHODS: dict[str, dict[str, Any]] = {
    "vanilla": _variant(),
    # The source document's proposals.
    "tuned_lr": _variant(d_lr=1e-4, g_lr=1e-4),
    "l1": _variant(tricks={"d_l1": 1e-5, "g_l1": 1e-5}),
    "l2": _variant(tricks={"d_l2": 1e-4, "g_l2": 1e-4}),
    "adam_default_betas": _variant(beta_1=0.9, beta_2=0.999),
    # The modern fixes, one at a time.
    "r1": _variant(tricks={"r1": 0.1}),
    "r2": _variant(tricks={"r2": 0.1}),
    "wgan_gp": _variant(
        loss="wasserstein", tricks={"gradient_penalty": 0.1, "d_steps": 5}, d_lr=1e-4, g_lr=1e-4, beta_2=0.9
    ),
    "wgan_clip": _variant(
        loss="wasserstein", tricks={"clip_weights": 0.01, "d_steps": 5}, optimizer="rmsprop", d_lr=5e-5, g_lr=5e-5
    ),
    "label_smoothing": _variant(tricks={"label_smoothing": 0.1}),
    "instance_noise": _variant(tricks={"instance_noise": 0.5, "instance_noise_steps": 10_000}),
    "spectral_norm": _variant(spectral_norm=True),
    "ttur": _variant(d_lr=4e-4, g_lr=1e-4),
    "d_steps": _variant(tricks={"d_steps": 2}),
    "ema": _variant(tricks={"ema": 0.999}),
    "pack": _variant(tricks={"pack": 4}),
    # The combination that works on the grid (see DESIGN.md), with the learning rates annealed
    # over the second half so that the samples settle onto the modes.
    "stable": _variant(
        tricks={"r1": 0.1, "ema": 0.999},
        d_lr=1e-3,
        g_lr=1e-3,
        beta_2=0.9,
        width=128,
        batch_size=512,
        steps=15_000,
        lr_decay=0.5,
    ),
}


def recipe(method: str) -> dict[str, Any]:
    """A copy of the first edition's recipe called ``method`` (one of ``METHODS``), as a dict."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    found = METHODS[method]
    return {**found, "tricks": dict(found["tricks"])}


def as_recipe(method: str | recipes.Recipe, *, steps: int | None = None) -> recipes.Recipe:
    """``method`` as a ``recipes.Recipe``: a recipe as it is, or a name of ``METHODS`` converted.

    ``steps`` (default: the recipe's) replaces the training length.
    """
    if isinstance(method, recipes.Recipe):
        found = method
    else:
        settings = recipe(method)
        tricks = settings.pop("tricks")
        found = recipes.Recipe(method, **settings, **tricks)
    return found if steps is None else dataclasses.replace(found, steps=positive_int(steps, "steps"))


def _required_seed(seed: object) -> int:
    """A run's seed: a non-negative integer (None is not allowed: runs must be reproducible)."""
    if seed is None:
        raise ValueError("seed must be a non-negative integer, got None")
    return check_seed(seed)


_DecayAtEnd = recipes.DecayAtEnd


def _optimizer(settings: dict[str, Any], learning_rate: float, updates: int) -> keras.optimizers.Optimizer:
    """The optimiser of a recipe dict; ``updates`` is how many updates it will make (for the decay)."""
    if settings["optimizer"] not in ("adam", "rmsprop"):
        raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {settings['optimizer']!r}")
    plain = recipes.Recipe("images", **{k: v for k, v in settings.items() if k != "tricks"})
    return recipes.optimizer(plain, learning_rate, updates)


def build(method: str | recipes.Recipe, dim: int, *, seed: int, steps: int | None = None) -> training.GAN:
    """A fresh, compiled, untrained GAN for points of size ``dim``, set up as ``method`` says.

    ``method`` is a name of ``METHODS`` or a ``recipes.Recipe``; ``recipes.build_gan`` builds it.
    ``seed`` fixes the weights (``keras.utils.set_random_seed``) and the noise stream.
    ``steps`` (default: the recipe's) is the training length that a learning-rate decay
    (recipe key ``lr_decay``) is scheduled over.
    """
    chosen = as_recipe(method, steps=steps)
    dim = positive_int(dim, "dim")
    return recipes.build_gan(chosen, dim, seed=_required_seed(seed))


def train(
    points: np.ndarray,
    *,
    method: str | recipes.Recipe,
    seed: int,
    steps: int | None = None,
    every: int | None = None,
    callback: Callable[[training.GAN, int], None] | None = None,
    until: int | None = None,
) -> training.GAN:
    """Train the recipe ``method`` on the rows of ``points`` ((n, dim) floats) and return the GAN.

    ``steps`` defaults to the recipe's; batches are drawn with ``gan_lib.data.as_dataset``
    (reshuffled every pass, seeded by ``seed``), so ``n`` must be at least the batch size.
    With ``callback``, training pauses after every ``every`` steps (default: only at the end)
    and at the end, and calls ``callback(gan, steps_done)``.  ``until`` stops training early,
    after that many of the ``steps`` (a learning-rate decay is still scheduled over ``steps``),
    which reproduces the start of a longer run.
    """
    points = finite_matrix(points, "points").astype(np.float32)
    chosen = as_recipe(method, steps=steps)
    seed = _required_seed(seed)
    if len(points) < chosen.batch_size:
        raise ValueError(
            f"points must have at least {chosen.batch_size} rows (the batch size of {chosen.name!r}), got {len(points)}"
        )
    steps = chosen.steps
    every = steps if every is None else positive_int(every, "every")
    until = steps if until is None else positive_int(until, "until")
    if until > steps:
        raise ValueError(f"until ({until}) must not exceed steps ({steps})")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable, got {callback!r}")
    gan = recipes.build_gan(chosen, points.shape[1], seed=seed)
    _fit_in_chunks(gan, points, chosen.batch_size, seed=seed, until=until, every=every, callback=callback)
    return gan


def _fit_in_chunks(
    gan: training.GAN,
    rows: np.ndarray,
    batch_size: int,
    *,
    seed: int,
    until: int,
    every: int,
    callback: Callable[[training.GAN, int], None] | None,
) -> None:
    """``until`` training steps, in ``fit`` calls of ``every`` steps, with ``callback`` after each.

    The chunks read one continuous stream of batches: Keras restarts a dataset at every ``fit``
    call, so each chunk starts the stream where the previous one stopped (``start=done``).
    How often a run is scored therefore does not change the run.
    """
    done = 0
    while done < until:
        chunk = min(every, until - done)
        dataset = data.as_dataset(rows, batch_size, seed=seed, start=done)
        gan.fit(dataset, epochs=1, steps_per_epoch=chunk, verbose=0)
        done += chunk
        if callback is not None:
            callback(gan, done)


# ---------------------------------------------------------------------------------------------
# Images: the same two recipes for the DCGAN-style conv GANs of chapter 6.

IMAGE_METHODS: dict[str, dict[str, Any]] = {
    # As "vanilla" above: non-saturating loss, no regulariser, Adam 2e-4 (0.5, 0.999).
    "vanilla": {**VANILLA, "tricks": {}},
    # As "stable" above, with a shorter moving average (decay 0.995: the image runs are a few
    # thousand steps) and R1 gamma 1.0 (of 1.0 and 0.3, tried on the digits with seed 0, 1.0 gave
    # the lower classifier FID after 3,000 steps, 5.45 against 5.72: a small gap on one seed;
    # scripts/image_r1_choice.py, book/results/image_r1_choice.csv).
    "stable": {**METHODS["stable"], "tricks": {"r1": 1.0, "ema": 0.995}},
}


def train_images(
    images: np.ndarray,
    *,
    method: str,
    seed: int,
    profile: runtime.Profile,
    every: int | None = None,
    callback: Callable[[training.GAN, int], None] | None = None,
) -> training.GAN:
    """Train a conv GAN (``models.conv_generator`` / ``conv_discriminator``) on ``images``.

    ``method`` is "vanilla" or "stable" (``IMAGE_METHODS``); ``profile`` (``runtime.profile()``)
    sets the steps, batch size, network width and noise size.  As in ``train``, ``callback(gan,
    steps_done)`` runs after every ``every`` steps and at the end.
    """
    if not isinstance(method, str) or method not in IMAGE_METHODS:
        raise ValueError(f"method must be one of {', '.join(IMAGE_METHODS)}; got {method!r}")
    if not isinstance(profile, runtime.Profile):
        raise ValueError(f"profile must be a gan_lib.runtime.Profile, got {type(profile).__name__}")
    seed = _required_seed(seed)
    images = finite_array(images, "images", np.float32)
    if images.ndim != 4 or images.shape[1:] != profile.image_shape:
        raise ValueError(f"images must have shape (n, {', '.join(map(str, profile.image_shape))}), got {images.shape}")
    if len(images) < profile.batch_size:
        raise ValueError(f"images must have at least {profile.batch_size} rows (the batch size), got {len(images)}")
    every = profile.steps if every is None else positive_int(every, "every")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable, got {callback!r}")
    settings = IMAGE_METHODS[method]
    keras.utils.set_random_seed(seed)
    generator = models.conv_generator(profile.latent_dim, profile.image_shape, base_filters=profile.base_filters)
    discriminator = models.conv_discriminator(profile.image_shape, base_filters=profile.base_filters)
    gan = training.GAN(generator, discriminator, latent_dim=profile.latent_dim, seed=seed)
    gan.compile(
        _optimizer(settings, settings["d_lr"], profile.steps),
        _optimizer(settings, settings["g_lr"], profile.steps),
        loss=settings["loss"],
        **settings["tricks"],
    )
    _fit_in_chunks(gan, images, profile.batch_size, seed=seed, until=profile.steps, every=every, callback=callback)
    return gan


# ---------------------------------------------------------------------------------------------
# The sweep: method x dataset x seed, scored with the PacGAN protocol, written to a CSV.

DATASETS = ("ring", "grid")
TRAIN_POINTS = 50_000  # training points drawn per run (seeded by the run's seed)
EVAL_SAMPLES = 2_500  # generator samples scored per evaluation (the PacGAN protocol)
EVAL_SEED = 12_345  # the noise of every evaluation, so that steps are comparable
COLUMNS = ("method", "dataset", "seed", "step", "modes", "high_quality", "reverse_kl", "seconds", "error")
RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "stability.csv"
ABLATION_RESULTS = RESULTS.with_name("ablation.csv")
# The leave-one-out rows and the baselines come first: the choice of the recommended recipe rests on them.
FIRST_ROWS = (
    "base+r1+ema",
    "base",
    "base+r1",
    "base+ema",
    "base+r1+ema-decay",
    "base+r1+ema-beta2",
    "base+r1+ema-lr",
    "vanilla",
)


def ablation_jobs() -> list[tuple[recipes.Recipe, str, int]]:
    """Every run of chapter 5's controlled experiment, in the order the sweep makes them.

    Every row of ``recipes.ABLATION`` on both benchmarks with seeds 0-4, and the
    ``recipes.KEY_ROWS`` with seeds 5-9 too, and the ``HELD_OUT_RECIPES`` on the ``HELD_OUT``
    mixtures with seeds 0-4.  Order: ``FIRST_ROWS`` with seeds 0-4, then the key rows' seeds
    5-9, then the held-out mixtures (the choice between the candidates rests on them), then
    the other rows with seeds 0-4; seeds outermost within each part, so that a sweep stopped
    part-way has whole seeds of the rows it reached.
    """
    first = [recipes.get(name) for name in FIRST_ROWS]
    key = [recipes.get(name) for name in recipes.KEY_ROWS]
    rest = [chosen for name, chosen in recipes.ABLATION.items() if name not in FIRST_ROWS]
    candidates = [recipes.get(name) for name in HELD_OUT_RECIPES]

    def part(rows: list[recipes.Recipe], seeds: range, datasets: Sequence[str]) -> list[tuple[Any, str, int]]:
        return [(r, d, s) for s in seeds for r in rows for d in datasets]

    return (
        part(first, range(5), DATASETS)
        + part(key, range(5, 10), DATASETS)
        + part(candidates, range(5), list(HELD_OUT))
        + part(rest, range(5), DATASETS)
    )


# Mixtures held out from the choice of the recommended recipe (it is chosen on the ring and the
# grid and must hold on these too): other mode counts, radii, spacings and spreads.
# name -> (centres, std); the spacing between neighbouring modes is given in stds.
HELD_OUT: dict[str, tuple[np.ndarray, float]] = {
    "ring5_r2": (data.ring_centers(5, radius=2.0), 0.02),  # 5 modes, radius 2: 118 stds apart
    "ring12": (data.ring_centers(12), 0.01),  # 12 modes on the unit circle: 52 stds apart
    "grid4_s3": (data.grid_centers(4, spacing=3.0), 0.1),  # 4 x 4, spacing 3: 30 stds apart
    "grid6": (data.grid_centers(6), 0.05),  # 6 x 6 = 36 modes, spacing 2: 40 stds apart
}
# The candidates for the recommended recipe that run on the held-out mixtures.
HELD_OUT_RECIPES = ("base+r1", "base+r1+ema")


def benchmark(name: str, *, seed: int = 0, n: int = TRAIN_POINTS) -> tuple[np.ndarray, np.ndarray, float]:
    """The mixture ``name``: (training points, centres, std).

    "ring" and "grid" are PacGAN's benchmarks; the names of ``HELD_OUT`` are the mixtures the
    recommended recipe was not chosen on.
    """
    if name == "ring":
        return data.ring(n, seed=seed), data.ring_centers(), 0.01
    if name == "grid":
        return data.grid(n, seed=seed), data.grid_centers(), 0.05
    if isinstance(name, str) and name in HELD_OUT:
        centers, std = HELD_OUT[name]
        return data.mixture(n, centers, std, seed=seed), centers, std
    raise ValueError(f"dataset must be one of {', '.join((*DATASETS, *HELD_OUT))}; got {name!r}")


def run(
    method: str | recipes.Recipe,
    dataset: str,
    seed: int,
    *,
    steps: int | None = None,
    every: int = 1_000,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """Train one recipe on one benchmark; one row of scores per evaluation (see ``COLUMNS``).

    ``mode_coverage`` is measured on ``EVAL_SAMPLES`` samples (the moving average when the
    recipe keeps one) after every ``every`` steps and at the end; ``seconds`` is the wall
    time since the run started, evaluations included.  ``until`` stops after that many of
    the ``steps`` (see ``train``), e.g. to reproduce a stored run's first evaluations.
    """
    name = as_recipe(method).name
    seed = _required_seed(seed)
    points, centers, std = benchmark(dataset, seed=seed)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()

    def score(gan: training.GAN, step: int) -> None:
        found = metrics.mode_coverage(gan.sample(EVAL_SAMPLES, seed=EVAL_SEED), centers, std)
        seconds = round(time.perf_counter() - start, 2)
        rows.append({"method": name, "dataset": dataset, "seed": seed, "step": step, **found, "seconds": seconds})

    train(points, method=method, seed=seed, steps=steps, every=every, callback=score, until=until)
    return rows


def run_like_the_sweep(
    method: str | recipes.Recipe,
    dataset: str,
    seed: int,
    *,
    steps: int | None = None,
    every: int = 1_000,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """``run`` in a fresh process with one TF thread, exactly as a sweep worker runs it.

    Thread counts change the order of floating-point sums, and GAN training amplifies such
    differences, so only a run in the sweep's configuration can reproduce a stored row; on the
    same kind of machine it normally does, bit for bit (rarely a long run drifts after some
    thousand steps; TensorFlow's oneDNN kernels are the likely cause).  Chapter 5 checks the
    stored table this way.
    """
    as_recipe(method)
    benchmark(dataset)  # checks the name before a process is started
    seed = _required_seed(seed)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, initializer=single_threaded) as pool:
        return pool.apply(run, (method, dataset, seed), {"steps": steps, "every": every, "until": until})


def _run_safely(job: tuple[recipes.Recipe, str, int, int]) -> list[dict[str, Any]]:
    """``run`` for the sweep: a failure becomes one row with the error, not a dead sweep."""
    method, dataset, seed, every = job
    start = time.perf_counter()
    try:
        return run(method, dataset, seed, every=every)
    except Exception as error:  # noqa: BLE001 - any failure of one run is recorded and the sweep goes on
        seconds = round(time.perf_counter() - start, 2)
        message = f"{type(error).__name__}: {error}".replace("\n", " ")
        return [{"method": method.name, "dataset": dataset, "seed": seed, "seconds": seconds, "error": message}]


def single_threaded() -> None:
    """Worker start-up: one thread each inside and between TF ops, set before anything is built."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def sweep(
    methods: Sequence[str | recipes.Recipe],
    datasets: Sequence[str],
    seeds: Sequence[int],
    *,
    out: str | pathlib.Path = RESULTS,
    steps: int | None = None,
    every: int = 1_000,
    workers: int = 1,
    command: str = "",
    log: Callable[[str], None] = print,
    resume: bool = False,
) -> pathlib.Path:
    """Run every (method, dataset, seed) and write the rows to the CSV ``out`` as they arrive.

    ``methods`` are names of ``METHODS`` or ``recipes.Recipe`` values; ``steps`` replaces
    every recipe's length.  Seeds are the outer loop, so a sweep stopped part-way has covered
    every method with its first seeds.  See ``sweep_jobs`` for the file, ``workers`` and
    ``resume``.
    """
    if not methods or not datasets or not seeds:
        raise ValueError("methods, datasets and seeds must each name at least one")
    chosen = [as_recipe(method, steps=steps) for method in methods]
    jobs = [(r, d, s) for s in seeds for r in chosen for d in datasets]
    settings = f"steps={'recipe default' if steps is None else steps}, every={every}"
    return sweep_jobs(
        jobs, out=out, every=every, workers=workers, command=command, log=log, resume=resume, settings=settings
    )


def sweep_jobs(
    jobs: Sequence[tuple[recipes.Recipe, str, int]],
    *,
    out: str | pathlib.Path = RESULTS,
    every: int = 1_000,
    workers: int = 1,
    command: str = "",
    log: Callable[[str], None] = print,
    resume: bool = False,
    settings: str | None = None,
) -> pathlib.Path:
    """Run each (recipe, dataset, seed) of ``jobs`` in order; write the rows to the CSV ``out``.

    The file starts with provenance lines ('# key: value', taken before the first run),
    including one '# recipe NAME: ...' line with every setting of each recipe; the
    '# wall time' line says 'unfinished' until the sweep ends, so a killed sweep still
    leaves a readable CSV of the runs done.  ``workers`` > 1 runs that many processes
    (start method 'spawn', one TF thread each); 1 runs everything in this process.

    With ``resume``, the runs already in ``out`` (made with the same ``settings`` and the same
    recipe settings) are kept and skipped, failed ones are retried, and the provenance gains a
    'resumed' line and this invocation's wall time; so a long sweep can be finished in several
    time-limited invocations of the same command.
    """
    if not jobs:
        raise ValueError("jobs must name at least one (recipe, dataset, seed)")
    for job in jobs:
        if not (isinstance(job, tuple) and len(job) == 3 and isinstance(job[0], recipes.Recipe)):
            raise ValueError(f"each job must be a (Recipe, dataset, seed) tuple, got {job!r}")
        if job[1] not in DATASETS and job[1] not in HELD_OUT:
            raise ValueError(f"datasets must be among {', '.join((*DATASETS, *HELD_OUT))}; got {job[1]!r}")
        _required_seed(job[2])
    named: dict[str, recipes.Recipe] = {}
    for job in jobs:
        if named.setdefault(job[0].name, job[0]) != job[0]:
            raise ValueError(f"two different recipes are called {job[0].name!r}")
    every = positive_int(every, "every")
    workers = positive_int(workers, "workers")
    out = pathlib.Path(out)
    settings = f"every={every}" if settings is None else settings
    # The output file itself may differ from the commit: a resumed sweep appends to it.
    origin = runtime.provenance(command, repo=pathlib.Path(__file__).resolve().parent, ignore=[out])
    origin["workers"] = f"{workers} (one TF thread each)" if workers > 1 else "1 (this process, default TF threads)"
    origin["settings"] = settings
    origin["wall time"] = "unfinished"
    kept: list[dict[str, Any]] = []
    if resume and out.exists():
        earlier, old_rows = load_results(out)
        if earlier.get("settings") != settings:
            raise ValueError(f"resume: {out} was made with {earlier.get('settings')!r}, not {settings!r}")
        for name, chosen in named.items():
            recorded = earlier.get(f"recipe {name}")
            if recorded is not None and not chosen.matches(recorded):
                raise ValueError(f"resume: {out} ran {name!r} with {recorded}, not {chosen.settings()}")
        kept = [row for row in old_rows if not row["error"]]
        resumed = sum(key.startswith("resumed") for key in earlier)
        earlier[f"resumed {resumed + 1}"] = f"{origin['date']}, commit {origin['commit']}, {command}"
        earlier["wall time"] = f"{earlier['wall time']}; resumed: unfinished"
        origin = earlier
    for name, chosen in named.items():
        origin.setdefault(f"recipe {name}", chosen.settings())
    finished = {(row["method"], row["dataset"], row["seed"]) for row in kept}
    todo = [(r, d, s, every) for r, d, s in jobs if (r.name, d, s) not in finished]
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with out.open("w", newline="") as handle:
        handle.writelines(f"# {key}: {value}\n" for key, value in origin.items())
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows({key: ("" if value is None else value) for key, value in row.items()} for row in kept)
        handle.flush()
        pool = None
        if not todo:
            results: Any = iter(())
        elif workers == 1:
            results = map(_run_safely, todo)
        else:
            pool = multiprocessing.get_context("spawn").Pool(min(workers, len(todo)), initializer=single_threaded)
            # Jobs are handed out in the order given; rows are written as runs finish.
            results = pool.imap_unordered(_run_safely, todo)
        try:
            for done, rows in enumerate(results, start=1):
                writer.writerows(rows)
                handle.flush()
                log(_progress(done, len(todo), rows[-1], time.perf_counter() - start))
        finally:
            if pool is not None:
                pool.terminate()
    wall = time.perf_counter() - start
    lines = out.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("# wall time:"):
            # Only the last 'unfinished' is this invocation's; earlier ones record killed invocations.
            head, _, tail = line.rpartition("unfinished")
            lines[index] = f"{head}{wall:.0f} s for {len(todo)} runs{tail}"
            break
    out.write_text("".join(lines))
    return out


def _progress(done: int, total: int, row: dict[str, Any], elapsed: float) -> str:
    """One progress line: a bar, the run just finished and its final scores, time left."""
    width = 20
    filled = round(width * done / total)
    left = elapsed / done * (total - done)
    what = f"{row['method']}/{row['dataset']}/seed {row['seed']}"
    if row.get("error"):
        scores = f"FAILED ({row['error'][:60]})"
    else:
        scores = f"{row['modes']} modes, {100 * row['high_quality']:.1f}% HQ, KL {row['reverse_kl']:.3f}"
    bar = "#" * filled + "." * (width - filled)
    timing = f"{elapsed:.0f} s elapsed, ~{left:.0f} s left"
    return f"[{bar}] {done}/{total} {what}: {scores}, {row['seconds']:.0f} s | {timing}"


def load_results(path: str | pathlib.Path | None = None) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Read a sweep's CSV: (provenance, rows).

    ``path`` defaults to ``book/results/stability.csv`` of the checkout gan_lib was imported
    from.  Numbers come back as int/float; a failed run's row keeps its ``error`` and has
    None for the scores.  FileNotFoundError (naming the file and the command that makes it)
    if there is no such file.
    """
    path = RESULTS if path is None else pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no sweep results at {path}; run `python -m gan_lib.experiments --out {path}` "
            "from the repository root to make them"
        )
    origin: dict[str, str] = {}
    body = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            origin[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    rows = []
    for raw in csv.DictReader(body):
        if set(raw) != set(COLUMNS):
            raise ValueError(f"{path} has columns {sorted(raw)}, expected {list(COLUMNS)}")
        row: dict[str, Any] = {"method": raw["method"], "dataset": raw["dataset"], "seed": int(raw["seed"])}
        for name, kind in (("step", int), ("modes", int), ("high_quality", float), ("reverse_kl", float)):
            row[name] = kind(raw[name]) if raw[name] else None
        row["seconds"] = float(raw["seconds"]) if raw["seconds"] else None
        row["error"] = raw["error"] or None
        rows.append(row)
    return origin, rows


SCORES = ("modes", "high_quality", "reverse_kl")


def summarize(rows: Sequence[dict[str, Any]], *, step: int | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (method, dataset): the spread over seeds of each run's scores at one evaluation.

    Each run contributes its last evaluation, or the one at ``step`` if given (runs without
    one are left out).  Returns, per key, ``runs`` (runs counted), ``failed`` (error rows),
    ``steps`` (the evaluation steps used) and, for each of ``SCORES``, a dict with the
    ``values`` (ordered by seed), ``mean``, ``se`` (standard error, sample std / sqrt(runs);
    NaN for one run), ``sd``, ``min`` and ``max``.
    """
    chosen: dict[tuple[str, str, int], dict[str, Any]] = {}
    failed: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["method"], row["dataset"])
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


def main(argv: Sequence[str] | None = None) -> pathlib.Path:
    """The command line: ``python -m gan_lib.experiments [--methods ...] [--workers N] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m gan_lib.experiments",
        description="Train every method on every dataset for every seed; write the scores to a CSV.",
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS), metavar="METHOD")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=None, help="override every recipe's number of steps")
    parser.add_argument("--every", type=int, default=1_000, help="evaluate after every this many steps")
    parser.add_argument("--workers", type=int, default=1, help="processes (spawned, one TF thread each)")
    parser.add_argument("--out", default=str(RESULTS), help=f"the CSV to write (default {RESULTS})")
    parser.add_argument(
        "--resume", action="store_true", help="keep the runs already in --out and do only the missing ones"
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help=f"run chapter 5's controlled experiment (ablation_jobs) into {ABLATION_RESULTS.name} instead; "
        "--methods, --datasets, --seeds and --steps do not apply",
    )
    args = parser.parse_args(argv)
    # A sweep killed by a time limit (SIGTERM) still ends its worker processes (the finally in sweep).
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    command = "python -m gan_lib.experiments " + " ".join(sys.argv[1:] if argv is None else argv)
    # Call the package's copy of this module, so worker processes unpickle gan_lib.experiments.* by name.
    from gan_lib import experiments

    try:
        if args.ablation:
            out = args.out if args.out != str(RESULTS) else str(ABLATION_RESULTS)
            return experiments.sweep_jobs(
                experiments.ablation_jobs(),
                out=out,
                every=args.every,
                workers=args.workers,
                command=command.strip(),
                resume=args.resume,
                settings=f"ablation, every={args.every}",
            )
        return experiments.sweep(
            args.methods,
            args.datasets,
            args.seeds,
            out=args.out,
            steps=args.steps,
            every=args.every,
            workers=args.workers,
            command=command.strip(),
            resume=args.resume,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    from gan_lib import experiments as _package_copy

    _package_copy.main()
