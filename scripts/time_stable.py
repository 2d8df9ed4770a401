"""How long one run of the recommended recipe takes on this machine: the evidence for its time bar.

Chapter 5's bar asks for each run of the recommended recipe (``gl.recipes.STABLE``) to take at
most 3 minutes on a 2-core CPU. The sweep's own ``seconds`` column cannot show that: its workers
share the cores. This script runs each job exactly as a sweep worker does
(``gl.sweep.run_like_the_sweep``: a fresh process, one TensorFlow thread, the same data, recipe
and evaluations every 1,000 steps), one run at a time, and writes
book/results/stable_timing.csv with provenance lines. ``seconds`` is the run's own wall time,
evaluations included, without the process's start-up. Because the configuration is the sweep's,
each run's scores must equal the stored sweep row of the same seed (the appendix checks it).
Run it with nothing else busy:

    python scripts/time_stable.py [--seeds 0] [--datasets ring grid]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "stable_timing.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--datasets", nargs="+", default=list(gl.sweep.DATASETS), choices=gl.sweep.DATASETS)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    recipe = gl.recipes.STABLE
    origin = gl.runtime.provenance("python scripts/time_stable.py " + " ".join(sys.argv[1:]))
    origin["threads"] = "one TensorFlow thread in a fresh process (as a sweep worker), one run at a time"
    origin[f"recipe {recipe.name}"] = recipe.settings()
    columns = ["recipe", "dataset", "seed", "steps", "seconds", "modes", "high_quality"]
    with gl.result_files.csv_file(args.out, columns, origin) as write:  # each run's row as it finishes
        for dataset in args.datasets:
            for seed in args.seeds:
                last = gl.sweep.run_like_the_sweep(recipe, dataset, seed)[-1]
                write([[recipe.name, dataset, seed, last["step"], f"{last['seconds']:.1f}", last["modes"],
                        last["high_quality"]]])  # fmt: skip
                print(
                    f"{recipe.name}/{dataset}/seed {seed}: {last['seconds']:.1f} s, {last['modes']} modes, "
                    f"{100 * last['high_quality']:.1f}% HQ",
                    flush=True,
                )


if __name__ == "__main__":
    main()
