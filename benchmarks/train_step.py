"""How fast does `gl.GAN.fit` train, next to a hand-written loop and an eager loop?

Three ways of training the same networks (same batch, optimisers and float32 precision):

- ``gan_lib``: ``gl.GAN(...).fit`` on a ``tf.data`` pipeline;
- ``hand``:    a ``@tf.function`` train step with two gradient tapes, iterated over the same
               ``tf.data`` pipeline (the pattern of TensorFlow's DCGAN tutorial);
- ``eager``:   the same step without ``tf.function``.

Each way trains for a warm-up (tracing, pipeline start) and then for ``--steps`` timed steps;
the ways alternate, ``--repeats`` times, and the script reports median steps/s. The last line
is ``speedup: X.XX``, the median over all repeats and cases of gan_lib's steps/s divided by the
hand-written loop's steps/s in the same repeat.

    python benchmarks/train_step.py [--repeats 5] [--steps 300] [--cases ring]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

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


def ring_case() -> Case:
    def build():
        return gl.models.mlp_generator(16, 2, width=128, depth=3), gl.models.mlp_discriminator(2, width=128, depth=3)

    return Case("ring MLP, batch 512", gl.data.ring(50_000, seed=0), 512, 16, build)


def digits_case() -> Case:
    images, _ = gl.data.digits("train")

    def build():
        return gl.models.conv_generator(32, images.shape[1:]), gl.models.conv_discriminator(images.shape[1:])

    return Case("digits conv, batch 128", images, 128, 32, build)


CASES = {"ring": ring_case, "digits": digits_case}


def adam() -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)


def time_gan_lib(case: Case, steps: int, warmup: int) -> float:
    keras.utils.set_random_seed(0)
    gan = gl.GAN(*case.build(), latent_dim=case.latent_dim)
    gan.compile(adam(), adam())
    dataset = gl.data.as_dataset(case.data, case.batch_size, seed=0)
    gan.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0)
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps / (time.perf_counter() - start)


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


def time_loop(case: Case, steps: int, warmup: int, *, compiled: bool) -> float:
    step, _ = make_step(case, compiled)
    iterator = iter(gl.data.as_dataset(case.data, case.batch_size, seed=0))
    for _ in range(warmup):
        step(next(iterator))
    start = time.perf_counter()
    for _ in range(steps):
        losses = step(next(iterator))
    float(losses[0])  # wait for the last step to finish
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=300, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--eager-steps", type=int, default=60, help="eager is slow: fewer timed steps")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    print(gl.runtime.describe())
    ratios = []
    for case_name in args.cases:
        case = CASES[case_name]()
        results: dict[str, list[float]] = {"gan_lib": [], "hand": [], "eager": []}
        for repeat in range(args.repeats):
            results["gan_lib"].append(time_gan_lib(case, args.steps, args.warmup))
            results["hand"].append(time_loop(case, args.steps, args.warmup, compiled=True))
            results["eager"].append(time_loop(case, args.eager_steps, 5, compiled=False))
            ratios.append(results["gan_lib"][-1] / results["hand"][-1])
            print(f"  {case.name}, repeat {repeat + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in results.items()))
        print(
            f"{case.name}: median steps/s " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in results.items())
        )
    print(f"speedup: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
