"""Which R1 weight chapter 6's image recipe uses: the recipe on the live 8x8 digits, per gamma.

``gl.image_runs.RECIPE`` takes the R1 weight that gives the lower classifier FID (as chapter 6
measures it: the test split's size of samples, noise seed 1, against the train split) after
the CPU scale's 3,000 steps, of the candidates below, in the median over the seeds.  The runs
train ``gl.image_runs.at_scale(RECIPE with that gamma, the CPU scale)``, as the chapter's live
runs do.  This script reruns the comparison and writes book/results/image_r1_choice.csv with
provenance lines:

    python scripts/image_r1_choice.py [--gammas 1.0 0.3] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "image_r1_choice.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gammas", nargs="+", type=float, default=[1.0, 0.3])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    origin = gl.runtime.provenance("python scripts/image_r1_choice.py " + " ".join(sys.argv[1:]))
    train_images, _ = gl.data.digits("train")
    test_images, _ = gl.data.digits("test")
    classifier = gl.judge.digits_classifier()
    profile = gl.runtime.choose_scale("digits")
    rows = []
    for gamma in args.gammas:
        chosen = gl.image_runs.RECIPE.with_(f"recipe, r1 {gamma}", r1=gamma)
        origin[f"recipe r1 {gamma}"] = gl.image_runs.at_scale(chosen, profile).settings()
        for seed in args.seeds:
            start = time.perf_counter()
            gan = gl.image_runs.train_images(train_images, recipe=chosen, seed=seed, profile=profile)
            fake = gan.sample(len(test_images), seed=1)  # as chapter 6: the test split's size, noise seed 1
            fid = gl.judge.classifier_fid(train_images, fake, classifier=classifier)
            rows.append([gamma, seed, profile.steps, f"{fid:.3f}", f"{time.perf_counter() - start:.1f}"])
            print(f"gamma {gamma}, seed {seed}: classifier FID {fid:.3f}", flush=True)
    columns = ["r1_gamma", "seed", "steps", "classifier_fid", "seconds"]
    gl.result_files.write_csv(args.out, rows, columns, origin=origin)


if __name__ == "__main__":
    main()
