"""How long one run of the "stable" recipe takes on this machine: the evidence for its time bar.

Chapter 5's bar asks for each run of "stable" to take at most 3 minutes on a 2-core CPU. The
sweep's own ``seconds`` column cannot show that: its workers share the cores. This script runs
``gl.sweep.run`` exactly as the sweep does (same data, recipe and evaluations every 1,000
steps), one run at a time in this process with TensorFlow's default threads, and writes
book/results/stable_timing.csv with provenance lines. Run it with nothing else busy:

    python scripts/time_stable.py [--seeds 0] [--datasets ring grid]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "stable_timing.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--datasets", nargs="+", default=list(gl.sweep.DATASETS), choices=gl.sweep.DATASETS)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    origin = gl.runtime.provenance("python scripts/time_stable.py " + " ".join(sys.argv[1:]))
    origin["threads"] = "TensorFlow defaults, one run at a time"
    columns = ["dataset", "seed", "steps", "seconds", "modes", "high_quality"]
    with gl.result_files.csv_file(args.out, columns, origin) as write:  # each run's row as it finishes
        for dataset in args.datasets:
            for seed in args.seeds:
                start = time.perf_counter()
                last = gl.sweep.run("stable", dataset, seed)[-1]
                seconds = time.perf_counter() - start
                write([[dataset, seed, last["step"], f"{seconds:.1f}", last["modes"], last["high_quality"]]])
                print(
                    f"stable/{dataset}/seed {seed}: {seconds:.1f} s, {last['modes']} modes, "
                    f"{100 * last['high_quality']:.1f}% HQ",
                    flush=True,
                )


if __name__ == "__main__":
    main()
