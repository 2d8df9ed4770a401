"""The sweep's command line: ``python -m gan_lib --ablation [--workers N] [--resume]``, or
``python -m gan_lib --out FILE [--recipes ...] [--datasets ...] [--seeds ...] ...``.

With ``--ablation`` it runs chapter 5's controlled experiment (``sweep.ablation_jobs``) into
``book/results/ablation.csv``; otherwise the chosen rows of ``recipes.ABLATION`` x dataset x
seed (``sweep.sweep``) into ``--out``.  ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import pathlib
import signal
import sys
from collections.abc import Sequence

from gan_lib import recipes, sweep
from gan_lib.result_files import ABLATION_RESULTS

PROG = "python -m gan_lib"


def main(argv: Sequence[str] | None = None) -> pathlib.Path:
    """Parse ``argv`` (default: the process's arguments), run the sweep, return the CSV written."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train recipes on the 2-D mixtures for several seeds; write the scores to a CSV.",
    )
    names = list(recipes.ABLATION)
    parser.add_argument("--recipes", nargs="+", default=names, choices=names, metavar="RECIPE")
    parser.add_argument("--datasets", nargs="+", default=list(sweep.DATASETS), choices=list(sweep.MIXTURES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=None, help="override every recipe's number of steps")
    parser.add_argument("--every", type=int, default=1_000, help="evaluate after every this many steps")
    parser.add_argument("--workers", type=int, default=1, help="processes (spawned, one TF thread each)")
    parser.add_argument("--out", default=None, help=f"the CSV to write (with --ablation: {ABLATION_RESULTS})")
    parser.add_argument(
        "--resume", action="store_true", help="keep the runs already in --out and do only the missing ones"
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help=f"run chapter 5's controlled experiment (ablation_jobs) into {ABLATION_RESULTS.name}; "
        "--recipes, --datasets, --seeds and --steps do not apply",
    )
    args = parser.parse_args(argv)
    if args.out is None and not args.ablation:
        parser.error("--out is required without --ablation (the controlled experiment's file is its own)")
    # A sweep killed by a time limit (SIGTERM) still ends its worker processes (the finally in sweep).
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    command = f"{PROG} " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        if args.ablation:
            return sweep.sweep_jobs(
                sweep.ablation_jobs(),
                out=args.out or ABLATION_RESULTS,
                every=args.every,
                workers=args.workers,
                command=command.strip(),
                resume=args.resume,
                settings=f"ablation, every={args.every}",
            )
        return sweep.sweep(
            args.recipes,
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
    main()
