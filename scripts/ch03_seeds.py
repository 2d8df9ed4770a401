"""Chapter 3's recipe for several seeds: the evidence behind the chapter's assert bar.

Runs exactly the training of book/03_code.ipynb's `gl.GAN.fit` section for seeds 0..4: the
recipe `gl.recipes.CHAPTER_3` built by `gl.recipes.build_gan`, on the same data and batches.
Writes book/results/ch03_seeds.csv, with provenance lines at the top (starting with '#'),
the recipe's full settings among them.

    python scripts/ch03_seeds.py [--seeds 0 1 2 3 4]
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import sys
import time

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "ch03_seeds.csv"
RECIPE = gl.recipes.CHAPTER_3
RING = gl.data.RING  # PacGAN's ring: 8 modes on the unit circle, std 0.01
EPOCHS = 16  # as the chapter: 16 epochs of RECIPE.steps // 16 steps


def run(seed: int) -> dict[str, float]:
    real_points = RING.sample(50_000, seed=seed)  # = gl.data.ring(50_000, seed=seed), as the chapter
    gan = gl.recipes.build_gan(RECIPE, data_dim=2, seed=seed)
    start = time.perf_counter()
    gan.fit(
        gl.data.as_dataset(real_points, RECIPE.batch_size, seed=seed),
        epochs=EPOCHS,
        steps_per_epoch=RECIPE.steps // EPOCHS,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    scores = gl.metrics.mode_coverage(gan.sample(2500, seed=2), RING.centers, RING.std)
    return {"seed": seed, "steps": RECIPE.steps, "seconds": round(seconds, 1), **scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    origin = gl.runtime.provenance("python " + " ".join(sys.argv))  # taken before the runs start
    origin["recipe"] = f"{RECIPE.name}: {RECIPE.settings()}"
    rows = []
    for seed in args.seeds:
        rows.append(run(seed))
        print(rows[-1], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as handle:
        for key, value in origin.items():
            handle.write(f"# {key}: {value}\n")
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print("wrote", RESULTS)


if __name__ == "__main__":
    main()
