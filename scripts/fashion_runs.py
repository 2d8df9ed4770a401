"""Chapter 6's stored runs: the DCGAN tutorial against the book's recipe on Fashion-MNIST.

Trains each recipe of ``gl.image_runs.RECIPES`` with each seed, measures it as it trains
(``gl.image_runs.train_and_measure``) and scores the final generator (``evaluate``). Writes:

- ``book/results/fashion_curves.csv``: one row per measurement (classifier FID, the raw
  generator's FID, mean losses, training seconds);
- ``book/results/fashion_final.csv``: one row per run (FID, precision, recall, classes made,
  memorisation, seconds);
- ``book/results/fashion_samples.npz``: the fixed-noise samples at every measurement, as uint8.

Each finished run is written at once, so the script can be stopped and continued with
``--resume`` (the runs already stored are kept; their provenance lines stay). With ``--resume``
the run in progress also saves its state at every measurement (in ``.gl/fashion_runs/``) and
continues from there:

    python scripts/fashion_runs.py [--recipes tutorial recipe] [--seeds 0 1 2] [--every 200] [--resume]

A run of 2,000 steps trained for about 9 min (tutorial) and 11 min (recipe: R1 makes a
discriminator step dearer) on a 2-core machine shared with other work (seeds 1 and 2; the
``seconds`` column of the stored files).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import sys

import numpy as np

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results"
STATE_DIR = pathlib.Path(__file__).resolve().parents[1] / ".gl" / "fashion_runs"  # ignored by git
CURVE_COLUMNS = ["recipe", "seed", "step", "fid", "raw_fid", "d_loss", "g_loss", "seconds"]
FINAL_COLUMNS = [
    "recipe", "seed", "steps", "fid", "precision", "recall", "classes", "kl_uniform",
    "close_fraction", "median_ratio", "memorised", "seconds",
]  # fmt: skip


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _stored(path: pathlib.Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    return gl.result_files.read_csv(path) if path.exists() else ({}, [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(gl.image_runs.RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--every", type=int, default=200)
    parser.add_argument("--steps", type=int, default=None, help="replace the recipes' steps (for a quick try)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--state-dir", default=str(STATE_DIR), help="where a run in progress keeps its state (for --resume)"
    )
    args = parser.parse_args()
    chosen = [gl.image_runs.recipe(name) for name in args.recipes]
    if args.steps is not None:
        chosen = [dataclasses.replace(r, steps=args.steps) for r in chosen]
    out = pathlib.Path(args.out)
    runs = gl.image_runs
    curves_path, final_path, samples_path = (out / runs.CURVES_FILE, out / runs.FINAL_FILE, out / runs.SAMPLES_FILE)
    command = "python scripts/fashion_runs.py " + " ".join(sys.argv[1:])
    origin = gl.runtime.provenance(command, ignore=[curves_path, final_path, samples_path])
    origin["every"] = str(args.every)
    for r in chosen:
        origin[f"recipe {r.name}"] = r.settings()
    curves: list[dict] = []
    finals: list[dict] = []
    samples: dict[str, np.ndarray] = {}
    if args.resume:
        earlier, curves = _stored(curves_path)
        _, finals = _stored(final_path)
        if samples_path.exists():
            with np.load(samples_path) as stored:
                samples = {key: stored[key] for key in stored.files}
        for r in chosen:
            recorded = earlier.get(f"recipe {r.name}")
            if recorded is not None and not r.matches(recorded):
                raise SystemExit(f"--resume: {curves_path} ran {r.name!r} with {recorded}, not {r.settings()}")
        if earlier and earlier.get("every") != str(args.every):
            raise SystemExit(f"--resume: {curves_path} measured every {earlier.get('every')} steps, not {args.every}")
        if earlier:
            resumed = sum(key.startswith("resumed") for key in earlier)
            earlier[f"resumed {resumed + 1}"] = f"{origin['date']}, commit {origin['commit']}, {command}"
            origin = {**origin, **earlier}
    done = {(row["recipe"], int(row["seed"])) for row in finals}
    train_images, _ = gl.data.fashion_mnist("train")
    test_images, _ = gl.data.fashion_mnist("test")
    classifier = gl.judge.fashion_classifier()
    print(f"judge: test accuracy {classifier.test_accuracy:.4f}", flush=True)
    for seed in args.seeds:
        for r in chosen:
            if (r.name, seed) in done:
                continue
            gan, record = gl.image_runs.train_and_measure(
                r, train_images, test_images, seed=seed, every=args.every, classifier=classifier,
                log=lambda line: print(line, flush=True),
                state_path=pathlib.Path(args.state_dir) / f"{r.name}_seed{seed}.npz" if args.resume else None,
            )  # fmt: skip
            fake = gan.sample(gl.image_runs.FID_SAMPLES, seed=1)
            scores = gl.image_runs.evaluate(fake, train_images, test_images, classifier=classifier)
            for i, step in enumerate(record.step):
                curves.append({
                    "recipe": r.name, "seed": seed, "step": step, "fid": record.fid[i],
                    "raw_fid": record.raw_fid[i], "d_loss": record.d_loss[i], "g_loss": record.g_loss[i],
                    "seconds": round(record.seconds[i], 1),
                })  # fmt: skip
            memorised = scores["memorisation"]
            finals.append({
                "recipe": r.name, "seed": seed, "steps": record.step[-1], "fid": scores["fid"],
                "precision": scores["pr"]["precision"], "recall": scores["pr"]["recall"],
                "classes": scores["coverage"]["classes"], "kl_uniform": scores["coverage"]["kl_uniform"],
                "close_fraction": memorised["close_fraction"], "median_ratio": memorised["median_ratio"],
                "memorised": memorised["memorised"], "seconds": round(record.seconds[-1], 1),
            })  # fmt: skip
            samples[f"{r.name}/seed{seed}/snapshots"] = _to_uint8(np.stack(record.snapshots))
            samples[f"{r.name}/seed{seed}/steps"] = np.asarray(record.step)
            # Rewrite all three files after every run: a stopped script loses at most the run in progress.
            gl.result_files.write_csv(curves_path, curves, CURVE_COLUMNS, origin=origin)
            gl.result_files.write_csv(final_path, finals, FINAL_COLUMNS, origin=origin)
            partial = samples_path.with_suffix(".partial.npz")
            np.savez_compressed(partial, **samples)
            os.replace(partial, samples_path)
            print(f"stored {r.name} seed {seed}: FID {scores['fid']:.2f}", flush=True)


if __name__ == "__main__":
    main()
