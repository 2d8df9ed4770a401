"""What each recipe of chapter 5's experiment costs, as a ratio to the tuned base, measured side by side.

The sweep's ``seconds`` column cannot compare recipes: its runs shared the machine with other
work, and some were paused. This script builds every recipe of ``gl.recipes.ABLATION`` on the
grid, compiles its training step with a short warm-up, and then times ``--steps`` generator steps
of each recipe in turn, ``--repeats`` times round-robin, so that every recipe meets the same
load.  With one TensorFlow thread, as each of the sweep's workers has.  It writes, per recipe,
the median seconds per 1,000 generator steps and the ratio to "base" into
book/results/recipe_costs.csv with provenance lines:

    python scripts/recipe_costs.py [--steps 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import keras

import gan_lib as gl

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "book" / "results" / "recipe_costs.csv"
WARM_UP = 20  # steps that trace and compile the training step, not timed


class StepClock(keras.callbacks.Callback):
    """The time at each batch end, so that a fit call's set-up (iterators, callbacks) is not timed."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[tuple[int, float]] = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append((batch, time.perf_counter()))

    def seconds_per_step(self) -> float:
        """From the first batch end to the last, per step in between."""
        (first, start), (last, end) = self.ends[0], self.ends[-1]
        if last <= first:
            raise ValueError("need at least two batch ends; use more --steps")
        return (end - start) / (last - first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="generator steps per timing")
    parser.add_argument("--repeats", type=int, default=3, help="timings per recipe (the median is kept)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be at least 1")
    origin = gl.runtime.provenance("python scripts/recipe_costs.py " + " ".join(sys.argv[1:]))
    gl.sweep.single_threaded()
    origin["threads"] = "one TensorFlow thread (as each sweep worker)"
    origin["settings"] = f"grid, {args.steps} generator steps per timing, {args.repeats} repeats round-robin"

    points, _, _ = gl.sweep.sweep_dataset("grid")
    fits = {}
    for name, recipe in gl.recipes.ABLATION.items():
        gan = gl.recipes.build_gan(recipe, 2, seed=0)
        batches = gl.data.as_dataset(points, recipe.batch_size, seed=0)
        # One fit call per timing: the compiled step is reused, and each step draws one batch.
        gan.fit(batches, epochs=1, steps_per_epoch=WARM_UP, verbose=0)
        fits[name] = (gan, batches)
        print(f"built {name}", flush=True)

    seconds: dict[str, list[float]] = {name: [] for name in fits}  # per 1,000 steps
    for repeat in range(args.repeats):
        for name, (gan, batches) in fits.items():
            clock = StepClock()
            gan.fit(batches, epochs=1, steps_per_epoch=args.steps, verbose=0, callbacks=[clock])
            seconds[name].append(1000 * clock.seconds_per_step())
        print(f"repeat {repeat + 1} of {args.repeats} done", flush=True)

    per_1000 = {name: statistics.median(values) for name, values in seconds.items()}
    rows = []
    for name, value in per_1000.items():
        timings = " ".join(f"{t:.2f}" for t in seconds[name])
        ratio = value / per_1000["base"]
        rows.append([name, gl.recipes.ABLATION[name].d_steps, f"{value:.2f}", f"{ratio:.2f}", timings])
        print(f"{name:>28}: {value:6.2f} s per 1,000 steps, {ratio:.2f} x base", flush=True)
    columns = ["recipe", "d_steps", "seconds_per_1000_steps", "ratio_to_base", "timings"]
    gl.result_files.write_csv(args.out, rows, columns, origin=origin)


if __name__ == "__main__":
    main()
