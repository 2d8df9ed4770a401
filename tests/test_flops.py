"""benchmarks/flops.py: a training step's FLOPs counted from its graph and by hand, and the CPU's peak."""

import csv
import math
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_lib as gl

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import flops  # noqa: E402
import train_step  # noqa: E402

# The graph's total exceeds its matrix products and convolutions by the element-wise ops it also
# counts (Adam's updates, biases, batch normalisation, the loss); on the tiny conv case below
# that is under 5%.  On the benchmark's own cases it is under 1% (ring 0.5%, digits 0.5%,
# fashion 0.2%).
ELEMENTWISE_TOLERANCE = 0.05


def tiny_conv_case() -> train_step.Case:
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype(np.float32)

    def build():
        generator = gl.models.conv_generator(6, (8, 8, 1), base_filters=8)
        return generator, gl.models.conv_discriminator((8, 8, 1), base_filters=8)

    return train_step.Case("tiny conv", images, 16, 6, build)


def test_graph_and_per_layer_counts_agree_on_a_tiny_conv_gan():
    count = flops.count_step(tiny_conv_case(), train_step.make_step)
    assert count.analytic > 0
    # Matrix products and convolutions: the same number, counted two independent ways.
    assert count.matmul_conv == count.analytic
    # The graph adds its element-wise ops, and not more than the stated tolerance.
    assert count.analytic < count.total <= (1 + ELEMENTWISE_TOLERANCE) * count.analytic
    # The tapes' unused gradients (with respect to the real images, for one) are in the graph
    # but do not run, and are not counted.
    assert count.pruned > 0


def test_a_dense_only_gan_step_costs_its_closed_form_exactly():
    latent, batch = 3, 4
    data = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)

    def build():
        generator = keras.Sequential([keras.Input((latent,)), keras.layers.Dense(5), keras.layers.Dense(7),
                                      keras.layers.Dense(2)])
        discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(6), keras.layers.Dense(1)])
        return generator, discriminator

    count = flops.count_step(train_step.Case("toy", data, batch, latent, build), train_step.make_step)

    def matmul(m, k, n):  # an (m, k) by (k, n) product
        return 2 * m * k * n

    b = batch
    g_forward = matmul(b, 3, 5) + matmul(b, 5, 7) + matmul(b, 7, 2)
    d_forward = matmul(b, 2, 6) + matmul(b, 6, 1)
    g_weight_gradients = matmul(3, b, 5) + matmul(5, b, 7) + matmul(7, b, 2)
    d_weight_gradients = matmul(2, b, 6) + matmul(6, b, 1)
    # Input gradients: (b, out) by (out, in); none for a first layer, whose input is data or noise.
    g_input_gradients = matmul(b, 7, 5) + matmul(b, 2, 7)
    d_input_gradients_past_first = matmul(b, 1, 6)
    d_input_gradients_all = d_input_gradients_past_first + matmul(b, 6, 2)
    d_update = g_forward + 2 * (d_forward + d_weight_gradients + d_input_gradients_past_first)
    g_update = g_forward + d_forward + d_input_gradients_all + g_weight_gradients + g_input_gradients
    closed_form = d_update + g_update
    # Per sample: G forward 128 (first layer 30), D forward 36 (first layer 24): 4*128 - 30 + 8*36 - 2*24.
    assert closed_form == b * 722
    assert count.matmul_conv == closed_form
    assert count.analytic == closed_form


def test_each_layer_kind_costs_its_formula():
    dense = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])
    assert flops.network_flops(dense) == [2 * 10 * 3]
    conv = keras.Sequential([keras.Input((12, 12, 2)), keras.layers.Conv2D(5, 3, strides=2, padding="same")])
    assert flops.network_flops(conv) == [2 * 3 * 3 * 2 * 5 * 6 * 6]  # on the 6x6 output grid
    transposed = keras.Sequential([keras.Input((6, 6, 5)), keras.layers.Conv2DTranspose(2, 3, strides=2,
                                                                                        padding="same")])
    assert flops.network_flops(transposed) == [2 * 3 * 3 * 5 * 2 * 6 * 6]  # on the 6x6 input grid


def test_a_layer_with_a_kernel_it_does_not_know_is_refused_not_counted_free():
    model = keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(4, 3)])
    with pytest.raises(ValueError, match="kernel this count does not know"):
        flops.network_flops(model)


def test_graph_flops_needs_fully_defined_shapes():
    with pytest.raises(ValueError, match="fully defined"):
        flops.graph_flops(tf.function(lambda x: x @ x), tf.TensorSpec((None, 4), tf.float32))


def test_peak_flops_is_a_positive_finite_rate():
    rate = flops.peak_flops(flops.thread_settings(), size=128, repeats=3)
    assert math.isfinite(rate) and rate > 0


def test_peak_flops_refuses_other_threads_once_tensorflow_runs():
    tf.constant(1.0) + 1  # the runtime has started
    intra, inter = flops.thread_settings()
    with pytest.raises(RuntimeError):
        flops.peak_flops((intra + 1, inter), size=16, repeats=1)
    assert flops.thread_settings() == (intra, inter)


@pytest.mark.parametrize("size, repeats", [(0, 1), (16, 0), (2.5, 1), (True, 1)])
def test_peak_flops_refuses_bad_sizes(size, repeats):
    with pytest.raises(ValueError):
        flops.peak_flops(size=size, repeats=repeats)


@pytest.mark.slow  # a subprocess run of the benchmark
def test_the_benchmark_reports_flops_and_keeps_its_speedup_line(tmp_path):
    table = tmp_path / "flops.csv"
    command = [sys.executable, "benchmarks/train_step.py", "--repeats", "1", "--steps", "20", "--warmup", "5",
               "--eager-steps", "2", "--cases", "ring", "--flops", "--flops-csv", str(table), "--peak-size", "512"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"speedup: \d+\.\d\d", lines[-1]), lines[-1]
    assert any(line.startswith("ring MLP, batch 512: median steps/s gan_lib ") for line in lines)
    per_step = next(line for line in lines if line.startswith("ring MLP, batch 512: FLOPs per step "))
    rows = list(csv.DictReader(table.open()))
    assert [row["way"] for row in rows] == ["gan_lib", "hand", "eager"]
    case = train_step.ring_case()
    count = flops.count_step(case, train_step.make_step)
    assert f"{count.total:.4g}" in per_step
    for row in rows:
        assert int(row["flops_per_step"]) == count.total
        achieved, peak = float(row["flop_per_s"]), float(row["peak_flop_per_s"])
        assert achieved == pytest.approx(count.total * float(row["steps_per_s"]))
        assert float(row["fraction_of_peak"]) == pytest.approx(achieved / peak)
        assert 0 < achieved and math.isfinite(peak) and peak > 0
        assert any(line.startswith(f"ring MLP, batch 512: {row['way']} ") and "of peak" in line for line in lines)


def test_the_readme_reports_the_stored_flops_run():
    """The README's table of fractions of peak is the stored run's (book/results/bench_flops.csv)."""
    root = pathlib.Path(__file__).resolve().parents[1]
    rows = [line for line in (root / "book" / "results" / "bench_flops.csv").read_text().splitlines()
            if not line.startswith("#")]
    stored = list(csv.DictReader(rows))
    readme = (root / "README.md").read_text()
    labels = {"ring MLP, batch 512": "| ring MLP, batch 512 |", "digits conv, batch 128": "| digits conv, batch 128 |",
              "Fashion-MNIST, DCGAN tutorial networks, batch 256": "| Fashion-MNIST, tutorial networks, batch 256 |"}
    for case, label in labels.items():
        line = next(line for line in readme.splitlines() if line.startswith(label))
        fractions = [f"{float(row['fraction_of_peak']):.2f}" for row in stored if row["case"] == case]
        assert line.split("|")[3:6] == [f" {f} " for f in fractions], (case, line, fractions)
