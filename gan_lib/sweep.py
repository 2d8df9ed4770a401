"""The sweep: recipe x dataset x seed, trained on 2-D mixtures, scored and stored.

``run`` trains one recipe (a ``recipes.Recipe``, or the name of a row of ``recipes.ABLATION``)
with ``chunked.train`` on one dataset of ``sweep_dataset`` and scores ``metrics.mode_coverage``
on 2,500 samples every ``every`` steps.  ``sweep`` (recipe x dataset x seed) and ``sweep_jobs``
(any list of runs, such as chapter 5's ``ablation_jobs``) run many and write the rows, with
provenance lines, to a CSV that ``result_files.load_results`` reads.  The command line is ``python -m gan_lib --help``.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pathlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from gan_lib import chunked, data, metrics, recipes, result_files, runtime, training
from gan_lib._checks import positive_int

# ---------------------------------------------------------------------------------------------
# The sweep: recipe x dataset x seed, scored with the PacGAN protocol, written to a CSV.

DATASETS = (data.RING.name, data.GRID.name)  # PacGAN's benchmarks, "ring" and "grid"
TRAIN_POINTS = 50_000  # training points drawn per run (seeded by the run's seed)
EVAL_SAMPLES = 2_500  # generator samples scored per evaluation (the PacGAN protocol)
EVAL_SEED = 12_345  # the noise of every evaluation, so that steps are comparable
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
    the source's proposals on both baselines (``recipes.PROPOSAL_ROWS``, which retire the first
    edition's table), then the other rows, each with seeds 0-4.  Seeds are outermost within the
    first four parts, so that a sweep stopped part-way has whole seeds of the rows it reached.
    The other rows go one row at a time (all its seeds, then the next row), those with the
    fewest discriminator steps first: a row enters chapter 5's table once it has all its seeds,
    so a long sweep completes the cheap rows before the WGAN rows, which cost 3-6 times as much.
    """
    first = [recipes.get(name) for name in FIRST_ROWS]
    key = [recipes.get(name) for name in recipes.KEY_ROWS]
    proposals = [recipes.get(name) for name in recipes.PROPOSAL_ROWS]
    placed = set(FIRST_ROWS) | set(recipes.PROPOSAL_ROWS)
    rest = [chosen for name, chosen in recipes.ABLATION.items() if name not in placed]
    rest.sort(key=lambda chosen: chosen.d_steps)  # stable: ABLATION's order within a cost
    candidates = [recipes.get(name) for name in HELD_OUT_RECIPES]

    def part(rows: list[recipes.Recipe], seeds: range, datasets: Sequence[str]) -> list[tuple[Any, str, int]]:
        return [(r, d, s) for s in seeds for r in rows for d in datasets]

    return (
        part(first, range(5), DATASETS)
        + part(key, range(5, 10), DATASETS)
        + part(candidates, range(5), list(HELD_OUT))
        + part(proposals, range(5), DATASETS)
        + [job for chosen in rest for job in part([chosen], range(5), DATASETS)]
    )


# Mixtures held out from the choice of the recommended recipe (it is chosen on the ring and the
# grid and must hold on these too): other mode counts, radii, spacings and spreads.
# name -> mixture; the spacing between neighbouring modes is given in stds.
HELD_OUT: dict[str, data.Mixture] = {
    mixture.name: mixture
    for mixture in (
        data.Mixture("ring5_r2", data.ring_centers(5, radius=2.0), 0.02),  # 5 modes, radius 2: 118 stds apart
        data.Mixture("ring12", data.ring_centers(12), 0.01),  # 12 modes on the unit circle: 52 stds apart
        data.Mixture("grid4_s3", data.grid_centers(4, spacing=3.0), 0.1),  # 4 x 4, spacing 3: 30 stds apart
        data.Mixture("grid6", data.grid_centers(6), 0.05),  # 6 x 6 = 36 modes, spacing 2: 40 stds apart
    )
}
# The candidates for the recommended recipe that run on the held-out mixtures.
HELD_OUT_RECIPES = ("base+r1", "base+r1+ema")
# Every dataset the sweep trains on, by name: PacGAN's benchmarks (``DATASETS``) and ``HELD_OUT``.
MIXTURES: dict[str, data.Mixture] = {data.RING.name: data.RING, data.GRID.name: data.GRID, **HELD_OUT}


def sweep_dataset(name: str, *, seed: int = 0, n: int = TRAIN_POINTS) -> tuple[np.ndarray, np.ndarray, float]:
    """The dataset ``name`` that the sweep trains on, a Gaussian mixture of ``MIXTURES``:
    (``n`` training points drawn with ``seed``, a fresh copy of its centres, its std).

    "ring" and "grid" are PacGAN's benchmarks (``data.RING``, ``data.GRID``); the names of
    ``HELD_OUT`` are the mixtures the recommended recipe was not chosen on.
    """
    if not isinstance(name, str) or name not in MIXTURES:
        raise ValueError(f"dataset must be one of {', '.join(MIXTURES)}; got {name!r}")
    mixture = MIXTURES[name]
    return mixture.sample(n, seed=seed), mixture.centers.copy(), mixture.std


def as_recipe(recipe: str | recipes.Recipe, *, steps: int | None = None) -> recipes.Recipe:
    """``recipe`` as a ``Recipe``: a recipe as it is, or the row of ``recipes.ABLATION`` of that
    name; ``steps`` (default: the recipe's) replaces its training length."""
    found = recipe if isinstance(recipe, recipes.Recipe) else recipes.get(recipe)
    return found if steps is None else dataclasses.replace(found, steps=positive_int(steps, "steps"))


def run(
    recipe: str | recipes.Recipe,
    dataset: str,
    seed: int,
    *,
    steps: int | None = None,
    every: int = 1_000,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """Train one recipe on one benchmark; one row of scores per evaluation (see ``result_files.COLUMNS``).

    ``mode_coverage`` is measured on ``EVAL_SAMPLES`` samples (the moving average when the
    recipe keeps one) after every ``every`` steps and at the end; ``seconds`` is the wall
    time since the run started, evaluations included.  ``until`` stops after that many of
    the ``steps`` (see ``chunked.train``), e.g. to reproduce a stored run's first evaluations.
    """
    chosen = as_recipe(recipe, steps=steps)
    seed = chunked.required_seed(seed)
    points, centers, std = sweep_dataset(dataset, seed=seed)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()

    def score(gan: training.GAN, step: int) -> None:
        found = metrics.mode_coverage(gan.sample(EVAL_SAMPLES, seed=EVAL_SEED), centers, std)
        seconds = round(time.perf_counter() - start, 2)
        row = {"recipe": chosen.name, "dataset": dataset, "seed": seed, "step": step}
        rows.append({**row, **found, "seconds": seconds})

    chunked.train(points, chosen, seed=seed, every=every, callback=score, until=until)
    return rows


def run_like_the_sweep(
    recipe: str | recipes.Recipe,
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
    return runs_like_the_sweep([(recipe, dataset, seed)], steps=steps, every=every, until=until)[0]


def runs_like_the_sweep(
    jobs: Sequence[tuple[str | recipes.Recipe, str, int]],
    *,
    steps: int | None = None,
    every: int = 1_000,
    until: int | None = None,
) -> list[list[dict[str, Any]]]:
    """``run_like_the_sweep`` for several (recipe, dataset, seed) jobs at once, one process per
    CPU core at most, each with one TF thread (as the sweep's workers ran); results in job order."""
    if not jobs:
        raise ValueError("jobs must name at least one (recipe, dataset, seed)")
    checked = []
    for recipe, dataset, seed in jobs:  # every name checked before a process is started
        as_recipe(recipe)
        sweep_dataset(dataset)
        checked.append((recipe, dataset, chunked.required_seed(seed)))
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(len(checked), os.cpu_count() or 1), initializer=single_threaded) as pool:
        pending = [
            pool.apply_async(run, job, {"steps": steps, "every": every, "until": until}) for job in checked
        ]
        return [result.get() for result in pending]


def _run_safely(job: tuple[recipes.Recipe, str, int, int]) -> list[dict[str, Any]]:
    """``run`` for the sweep: a failure becomes one row with the error, not a dead sweep."""
    recipe, dataset, seed, every = job
    start = time.perf_counter()
    try:
        return run(recipe, dataset, seed, every=every)
    except Exception as error:  # noqa: BLE001 - any failure of one run is recorded and the sweep goes on
        seconds = round(time.perf_counter() - start, 2)
        message = f"{type(error).__name__}: {error}".replace("\n", " ")
        return [{"recipe": recipe.name, "dataset": dataset, "seed": seed, "seconds": seconds, "error": message}]


def single_threaded() -> None:
    """Worker start-up: one thread each inside and between TF ops, set before anything is built."""
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def sweep(
    to_run: Sequence[str | recipes.Recipe],
    datasets: Sequence[str],
    seeds: Sequence[int],
    *,
    out: str | pathlib.Path,
    steps: int | None = None,
    every: int = 1_000,
    workers: int = 1,
    command: str = "",
    log: Callable[[str], None] = print,
    resume: bool = False,
) -> pathlib.Path:
    """Run every (recipe, dataset, seed) and write the rows to the CSV ``out`` as they arrive.

    ``to_run`` holds ``recipes.Recipe`` values or names of ``recipes.ABLATION``; ``steps``
    replaces every recipe's length.  Seeds are the outer loop, so a sweep stopped part-way has
    covered every recipe with its first seeds.  See ``sweep_jobs`` for the file, ``workers``
    and ``resume``.
    """
    if not to_run or not datasets or not seeds:
        raise ValueError("to_run, datasets and seeds must each name at least one")
    chosen = [as_recipe(recipe, steps=steps) for recipe in to_run]
    jobs = [(r, d, s) for s in seeds for r in chosen for d in datasets]
    settings = f"steps={'recipe default' if steps is None else steps}, every={every}"
    return sweep_jobs(
        jobs, out=out, every=every, workers=workers, command=command, log=log, resume=resume, settings=settings
    )


def sweep_jobs(
    jobs: Sequence[tuple[recipes.Recipe, str, int]],
    *,
    out: str | pathlib.Path,
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
        if not isinstance(job[1], str) or job[1] not in MIXTURES:
            raise ValueError(f"datasets must be among {', '.join(MIXTURES)}; got {job[1]!r}")
        chunked.required_seed(job[2])
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
        earlier, old_rows = result_files.load_results(out)
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
    finished = {(row["recipe"], row["dataset"], row["seed"]) for row in kept}
    todo = [(r, d, s, every) for r, d, s in jobs if (r.name, d, s) not in finished]
    start = time.perf_counter()
    with result_files.csv_file(out, result_files.COLUMNS, origin) as write:
        write(kept)
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
                write(rows)
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
    what = f"{row['recipe']}/{row['dataset']}/seed {row['seed']}"
    if row.get("error"):
        scores = f"FAILED ({row['error'][:60]})"
    else:
        scores = f"{row['modes']} modes, {100 * row['high_quality']:.1f}% HQ, KL {row['reverse_kl']:.3f}"
    bar = "#" * filled + "." * (width - filled)
    timing = f"{elapsed:.0f} s elapsed, ~{left:.0f} s left"
    return f"[{bar}] {done}/{total} {what}: {scores}, {row['seconds']:.0f} s | {timing}"
