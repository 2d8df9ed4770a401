"""How fast does `gl.GAN.fit` train, next to a hand-written loop and an eager loop?

Three ways of training the same networks (same batch size, optimisers and float32 precision):

- ``gan_lib``: ``gl.GAN(...).fit`` with its defaults, on ``gl.data.as_dataset``;
- ``hand``:    a ``@tf.function`` train step with two gradient tapes, iterated in Python over a
               ``tf.data`` pipeline, both as in TensorFlow's DCGAN tutorial
               (``from_tensor_slices(x).shuffle(len(x)).batch(b)``, repeated);
- ``eager``:   the same step without ``tf.function``.

Each way trains for a warm-up (tracing, pipeline start) and then for ``--steps`` timed steps;
the ways alternate, ``--repeats`` times, and the script reports median steps/s. The last line
is ``speedup: X.XX``, the median over all repeats and cases of gan_lib's steps/s divided by the
hand-written loop's steps/s in the same repeat.

``--levers`` also times what each of gan_lib's speed levers gives, one at a time, against the
same default: several steps per graph call (off: ``steps_per_execution=1``), the in-graph
divergence guard (off: ``divergence_guard=False``), XLA (on: ``jit_compile=True``), the four
metric trackers (off: ``compile(trackers=False)``), tf.data's autotuning of ``as_dataset``
(on: it delays the end of every ``fit`` call), and the hand loop fed by
``gl.data.as_dataset`` instead of the tutorial's pipeline (the data lever).

``--flops`` also says how far each case is from this CPU's limit (``benchmarks/flops.py``):
the floating-point operations of one training step, counted from the hand-written step's
traced graph (and checked against a per-layer count), times each way's median steps/s, as a
fraction of the peak: a large float32 matmul through TensorFlow on the same threads, timed in
every repeat after the ways; the peak is the fastest of those repeats (other load on the machine
only slows a matmul down, so the fastest is the closest to the CPU's limit).
``--flops-csv PATH`` writes those numbers as a table too.

The "fashion" case is the tutorial's own ground: its networks at full size on 28x28
Fashion-MNIST, batch 256; a step there costs about 30 ring steps, so it times 1/30 of
``--steps`` (at least 5).

    python benchmarks/train_step.py [--repeats 5] [--steps 300] [--cases ring digits fashion] [--levers]
                                    [--flops [--flops-csv PATH] [--peak-size 2048]]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flops  # benchmarks/flops.py, next to this script
import keras
import numpy as np
import tensorflow as tf

import gan_lib as gl


@dataclass
class Case:
    name: str
    data: np.ndarray
    batch_size: int
    latent_dim: int
    build: Callable[[], tuple[keras.Model, keras.Model]]
    slowdown: int = 1  # how many times slower a step is than the ring's: the timed steps are divided by it


# The ring case trains the tuned base recipe of chapter 5 (Adam 1e-3 (0.5, 0.9)) on chapter 3's
# 3-layer networks, at a constant rate so that both loops run the same optimiser.
RING_RECIPE = gl.recipes.BASE.with_("benchmark", depth=3, lr_decay=0.0)


def ring_case() -> Case:
    def build():
        gan = gl.recipes.build_gan(RING_RECIPE, 2, seed=0)
        return gan.generator, gan.discriminator

    name = f"ring MLP, batch {RING_RECIPE.batch_size}"
    return Case(name, gl.data.ring(50_000, seed=0), RING_RECIPE.batch_size, RING_RECIPE.latent_dim, build)


def digits_case() -> Case:
    # Recipes describe 2-D MLP GANs; the conv networks are built directly.
    images, _ = gl.data.digits("train")

    def build():
        return gl.models.conv_generator(32, images.shape[1:]), gl.models.conv_discriminator(images.shape[1:])

    return Case("digits conv, batch 128", images, 128, 32, build)


def fashion_case() -> Case:
    # The TensorFlow DCGAN tutorial's own ground: its networks at full size, batch 256, noise 100,
    # on 28x28 Fashion-MNIST (both ways use the same optimiser, as in the other cases).
    images, _ = gl.data.fashion_mnist("train")

    def build():
        return gl.models.tutorial_generator(), gl.models.tutorial_discriminator()

    return Case("Fashion-MNIST, DCGAN tutorial networks, batch 256", images, 256, 100, build, slowdown=30)


CASES = {"ring": ring_case, "digits": digits_case, "fashion": fashion_case}


def adam() -> keras.optimizers.Optimizer:
    """The recipe's optimiser (the same for both cases and all three ways)."""
    return gl.recipes.optimizer(RING_RECIPE, RING_RECIPE.d_lr, updates=1)


def time_gan_lib(
    case: Case,
    steps: int,
    warmup: int,
    *,
    guard: bool = True,
    autotune: bool = False,
    **compile_args: Any,
) -> float:
    keras.utils.set_random_seed(0)
    gan = gl.GAN(*case.build(), latent_dim=case.latent_dim)
    gan.compile(adam(), adam(), **compile_args)
    dataset = gl.data.as_dataset(case.data, case.batch_size, seed=0)
    if autotune:  # as_dataset switches tf.data's autotuning off; this lever switches it back on
        options = tf.data.Options()
        options.autotune.enabled = True
        dataset = dataset.with_options(options)
    gan.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0, divergence_guard=guard)
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, divergence_guard=guard)
    return steps / (time.perf_counter() - start)


def tutorial_dataset(case: Case) -> tf.data.Dataset:
    """The input pipeline of TensorFlow's DCGAN tutorial, repeated so it never runs out."""
    data = tf.data.Dataset.from_tensor_slices(case.data).shuffle(len(case.data), seed=0)
    return data.batch(case.batch_size, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)


def make_step(case: Case, compiled: bool) -> tuple[Callable, keras.Model]:
    keras.utils.set_random_seed(0)
    generator, discriminator = case.build()
    d_optimizer, g_optimizer = adam(), adam()
    d_optimizer.build(discriminator.trainable_variables)
    g_optimizer.build(generator.trainable_variables)
    loss = gl.losses.get("non_saturating")

    def step(real):
        batch_size = tf.shape(real)[0]
        fake = generator(tf.random.normal((batch_size, case.latent_dim)), training=True)
        with tf.GradientTape() as tape:
            d_loss = loss.discriminator(discriminator(real, training=True), discriminator(fake, training=True))
        d_optimizer.apply_gradients(
            zip(tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables)
        )
        with tf.GradientTape() as tape:
            fake_logits = discriminator(generator(tf.random.normal((batch_size, case.latent_dim)), training=True))
            g_loss = loss.generator(fake_logits)
        g_optimizer.apply_gradients(
            zip(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables)
        )
        return d_loss, g_loss

    return (tf.function(step) if compiled else step), generator


def time_loop(case: Case, steps: int, warmup: int, *, compiled: bool, gan_lib_data: bool = False) -> float:
    step, _ = make_step(case, compiled)
    dataset = gl.data.as_dataset(case.data, case.batch_size, seed=0) if gan_lib_data else tutorial_dataset(case)
    iterator = iter(dataset)
    for _ in range(warmup):
        step(next(iterator))
    start = time.perf_counter()
    for _ in range(steps):
        losses = step(next(iterator))
    float(losses[0])  # wait for the last step to finish
    return steps / (time.perf_counter() - start)


def ways_to_time(case: Case, args: argparse.Namespace) -> dict[str, Callable[[], float]]:
    """Name -> a function that trains ``case`` one way and returns its steps/s."""
    steps, warmup = max(args.steps // case.slowdown, 5), args.warmup
    if case.slowdown > 1:
        # Warm up with as many steps as are timed: gan_lib runs a divisor of the steps per graph
        # call, and a warm-up of another length would leave the timed call's trace to the timing.
        warmup = steps
    eager_steps = max(args.eager_steps // case.slowdown, 2)
    ways: dict[str, Callable[[], float]] = {
        "gan_lib": lambda: time_gan_lib(case, steps, warmup),
        "hand": lambda: time_loop(case, steps, warmup, compiled=True),
        "eager": lambda: time_loop(case, eager_steps, 2 if case.slowdown > 1 else 5, compiled=False),
    }
    if args.levers:
        ways["gan_lib 1 step per call"] = lambda: time_gan_lib(case, steps, warmup, steps_per_execution=1)
        ways["gan_lib no guard"] = lambda: time_gan_lib(case, steps, warmup, guard=False)
        ways["gan_lib XLA"] = lambda: time_gan_lib(case, steps, warmup, jit_compile=True)
        ways["gan_lib no trackers"] = lambda: time_gan_lib(case, steps, warmup, trackers=False)
        ways["gan_lib autotuned data"] = lambda: time_gan_lib(case, steps, warmup, autotune=True)
        ways["hand on gan_lib data"] = lambda: time_loop(case, steps, warmup, compiled=True, gan_lib_data=True)
    return ways


def _rate(steps_per_second: float) -> str:
    """Steps/s with one decimal, or three significant digits below 1 (the 28x28 case)."""
    return f"{steps_per_second:.1f}" if steps_per_second >= 1 else f"{steps_per_second:.3g}"


def flops_lines(
    case: Case, count: flops.StepFlops, results: dict[str, list[float]], peaks: list[float], size: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """The --flops report of one case: printed lines and CSV rows (achieved FLOP/s = FLOPs per
    step x median steps/s; fraction = that / the fastest peak of the same repeats)."""
    peak = max(peaks)
    intra, inter = flops.thread_settings()
    lines = [
        f"{case.name}: FLOPs per step {count.total:.4g} (traced graph; its matmuls and convolutions "
        f"{count.matmul_conv:.4g}, per-layer count {count.analytic:.4g})",
        f"{case.name}: peak {peak:.3g} FLOP/s (float32 {size}x{size} matmul, intra-op threads {intra}, "
        f"inter-op {inter}, 0 = TensorFlow's default; the fastest of {len(peaks)} repeats, "
        f"slowest {min(peaks):.3g})",
    ]
    rows = []
    for way, rates in results.items():
        steps_per_second = statistics.median(rates)
        achieved = count.total * steps_per_second
        lines.append(
            f"{case.name}: {way} {_rate(steps_per_second)} steps/s x {count.total:.4g} = {achieved:.3g} FLOP/s, "
            f"{achieved / peak:.2f} of peak"
        )
        rows.append({
            "case": case.name, "way": way, "flops_per_step": count.total, "steps_per_s": steps_per_second,
            "flop_per_s": achieved, "peak_flop_per_s": peak, "fraction_of_peak": achieved / peak,
        })
    return lines, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=300, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--eager-steps", type=int, default=60, help="eager is slow: fewer timed steps")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES),
                        help="fashion needs Fashion-MNIST (scripts/install_fashion_mnist.sh)")
    parser.add_argument("--levers", action="store_true", help="also time each speed lever on its own")
    parser.add_argument("--flops", action="store_true",
                        help="also count each step's FLOPs and report achieved FLOP/s as a fraction of the peak")
    parser.add_argument("--flops-csv", metavar="PATH", help="with --flops: also write its numbers to this CSV file")
    parser.add_argument("--peak-size", type=int, default=2048, help="with --flops: the peak's matmul size")
    args = parser.parse_args()
    if args.flops_csv and not args.flops:
        parser.error("--flops-csv needs --flops")
    print(gl.runtime.describe())
    ratios = []
    csv_rows: list[dict[str, Any]] = []
    for case_name in args.cases:
        case = CASES[case_name]()
        ways = ways_to_time(case, args)
        count = flops.count_step(case, make_step) if args.flops else None
        results: dict[str, list[float]] = {name: [] for name in ways}
        peaks: list[float] = []
        for repeat in range(args.repeats):
            for name, way in ways.items():
                results[name].append(way())
            ratios.append(results["gan_lib"][-1] / results["hand"][-1])
            latest = ", ".join(f"{k} {_rate(v[-1])}" for k, v in results.items())
            print(f"  {case.name}, repeat {repeat + 1}: {latest}")
            if count is not None:
                peaks.append(flops.peak_flops(flops.thread_settings(), size=args.peak_size))
                print(f"  {case.name}, repeat {repeat + 1}: peak {peaks[-1]:.3g} FLOP/s")
        medians = ", ".join(f"{k} {_rate(statistics.median(v))}" for k, v in results.items())
        print(f"{case.name}: median steps/s {medians}")
        if count is not None:
            lines, rows = flops_lines(case, count, results, peaks, args.peak_size)
            print("\n".join(lines))
            csv_rows += rows
    if args.flops_csv:
        with open(args.flops_csv, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(csv_rows[0]))
            writer.writeheader()
            writer.writerows(csv_rows)
    print(f"speedup: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
