"""What the learning-rate decay of the 2-D recipe "stable" does: the same runs with and without it.

``gl.first_edition.METHODS["stable"]`` decays both learning rates linearly to zero over the second
half of training (``lr_decay`` 0.5).  This script trains "stable" as it is and with
``lr_decay`` 0 on the same dataset and seeds, one TF thread as in the sweep (so the decayed run
reproduces the sweep's row), and writes the final scores to book/results/lr_decay_effect.csv
with provenance lines:

    python scripts/lr_decay_effect.py [--dataset grid] [--seeds 0]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "lr_decay_effect.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="grid", choices=list(gl.sweep.DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    origin = gl.runtime.provenance(" ".join(["python scripts/lr_decay_effect.py", *sys.argv[1:]]))
    gl.sweep.single_threaded()  # as a sweep worker: thread counts reorder floating-point sums
    recipes = gl.first_edition.METHODS
    decay = recipes["stable"]["lr_decay"]
    rows = []
    try:
        for seed in args.seeds:
            for lr_decay in (decay, 0.0):
                recipes["stable"]["lr_decay"] = lr_decay
                last = gl.sweep.run("stable", args.dataset, seed)[-1]
                rows.append(
                    [
                        lr_decay,
                        args.dataset,
                        seed,
                        last["step"],
                        last["modes"],
                        last["high_quality"],
                        f"{last['reverse_kl']:.4f}",
                        last["seconds"],
                    ]
                )
                print(
                    f"seed {seed}, lr_decay {lr_decay}: {last['modes']} modes, "
                    f"{100 * last['high_quality']:.1f}% HQ, KL {last['reverse_kl']:.4f}",
                    flush=True,
                )
    finally:
        recipes["stable"]["lr_decay"] = decay
    columns = ["lr_decay", "dataset", "seed", "step", "modes", "high_quality", "reverse_kl", "seconds"]
    gl.result_files.write_csv(args.out, rows, columns, origin=origin)


if __name__ == "__main__":
    main()
