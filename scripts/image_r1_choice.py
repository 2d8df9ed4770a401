"""Which R1 weight the image recipe "stable" uses: chapter 6's run on the digits, seed 0, per gamma.

``gl.first_edition.IMAGE_METHODS["stable"]`` takes the R1 weight that gives the lower classifier
FID (as chapter 6 measures it) after the CPU scale's 3,000 steps, of the candidates below.
This script reruns that comparison and writes book/results/image_r1_choice.csv with provenance
lines:

    python scripts/image_r1_choice.py [--gammas 1.0 0.3] [--seed 0]
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import sys
import time

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "image_r1_choice.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gammas", nargs="+", type=float, default=[1.0, 0.3])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    origin = gl.runtime.provenance("python scripts/image_r1_choice.py " + " ".join(sys.argv[1:]))
    train_images, _ = gl.data.digits("train")
    test_images, _ = gl.data.digits("test")
    classifier = gl.judge.digits_classifier()
    profile = gl.runtime.choose_scale("digits")
    recipes = gl.first_edition.IMAGE_METHODS
    original = copy.deepcopy(recipes["stable"])
    rows = []
    try:
        for gamma in args.gammas:
            recipes["stable"]["tricks"] = {**original["tricks"], "r1": gamma}
            start = time.perf_counter()
            gan = gl.image_runs.train_images(train_images, method="stable", seed=args.seed, profile=profile)
            fake = gan.sample(len(test_images), seed=1)  # as chapter 6: the test split's size, noise seed 1
            fid = gl.judge.classifier_fid(train_images, fake, classifier=classifier)
            rows.append([gamma, args.seed, profile.steps, f"{fid:.3f}", f"{time.perf_counter() - start:.1f}"])
            print(f"gamma {gamma}: classifier FID {fid:.3f}", flush=True)
    finally:
        recipes["stable"] = original
    columns = ["r1_gamma", "seed", "steps", "classifier_fid", "seconds"]
    gl.result_files.write_csv(args.out, rows, columns, origin=origin)


if __name__ == "__main__":
    main()
