"""How far a training step is from this CPU's limit: its floating-point operations, and the peak.

One GAN training step (as ``train_step.make_step`` writes it: one discriminator update on a
real and a generated batch, then one generator update) is counted two ways:

- ``graph_flops``: from the step's traced TensorFlow graph, with the FLOP counts TensorFlow
  registers for its ops (``tf.compat.v1.profiler`` with ``float_operation()``).  Only the ops
  that run are summed: the tapes also emit gradients nobody uses (with respect to the real
  images, or the discriminator's weights in the generator update), and TensorFlow prunes those
  from the function before running it, so they are pruned here too (and reported apart).
  Ops with no registered count (activations such as LeakyRelu, Tanh, Softplus) count zero;
  matrix products and convolutions, which dominate, are all registered.
- ``analytic_flops``: per layer, from the networks' shapes.  A forward pass costs, per sample,
  2*in*out for a Dense layer, 2*k*k*cin*cout*Hout*Wout for a Conv2D, and the same on the
  input grid (2*k*k*cin*cout*Hin*Win) for a Conv2DTranspose.  The backward pass costs the
  forward again for the weight gradient, and again for the input gradient except where no
  gradient is wanted (the first layer of each network: its input is data or noise).  This
  counts matrix products and convolutions only.

For the networks here the graph's matrix products and convolutions equal the analytic count
exactly (``StepFlops.matmul_conv == StepFlops.analytic``); the graph's total adds the
element-wise ops (Adam, biases, batch normalisation, the loss) on top.

``peak_flops`` times a large float32 matmul through TensorFlow on the thread settings the
benchmark runs with, the CPU's practical limit.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import tensorflow as tf

# The op types of matrix products and convolutions (forward and backward).
MATMUL_CONV_OPS = frozenset(
    {"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Conv2D", "Conv2DBackpropInput",
     "Conv2DBackpropFilter"}
)


@dataclass(frozen=True)
class StepFlops:
    """The floating-point operations of one training step."""

    total: int  # every op that runs and has a registered count (the graph's count)
    matmul_conv: int  # the matrix products and convolutions among them
    pruned: int  # registered FLOPs of ops the graph holds but TensorFlow prunes (unused gradients)
    analytic: int  # the per-layer count of matrix products and convolutions

    @property
    def elementwise_share(self) -> float:
        """How much the graph's total exceeds its matrix products and convolutions, as a fraction."""
        return self.total / self.matmul_conv - 1


# ---------------------------------------------------------------------------------------------
# Counting from the graph


def _live_ops(graph: tf.Graph) -> set[str]:
    """Names of the ops that run: ancestors of the function's outputs, its control outputs
    (the variable updates) and every stateful op; TensorFlow prunes the rest before running."""
    roots = [t.op for t in graph.outputs] + list(getattr(graph, "control_outputs", []))
    roots += [op for op in graph.get_operations() if op.op_def.is_stateful]
    live: set[str] = set()
    stack = list(roots)
    while stack:
        op = stack.pop()
        if op.name in live:
            continue
        live.add(op.name)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return live


def registered_flops(graph: tf.Graph) -> dict[str, int]:
    """Op name -> FLOPs, for every op of ``graph`` with a count registered in TensorFlow
    (``tf.compat.v1.profiler``'s ``float_operation`` view, report suppressed)."""
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    root = tf.compat.v1.profiler.profile(graph, options=options)
    counts: dict[str, int] = {}
    stack = list(root.children)
    while stack:  # the scope view nests ops under their name scopes: walk it, taking each op's own count
        node = stack.pop()
        if node.float_ops:
            counts[node.name] = int(node.float_ops)
        stack.extend(node.children)
    if sum(counts.values()) != root.total_float_ops:
        raise RuntimeError(f"profiler tree sums to {sum(counts.values())}, its root says {root.total_float_ops}")
    return counts


def graph_flops(function: tf.types.experimental.GenericFunction, *input_specs: tf.TensorSpec) -> dict[str, int]:
    """FLOPs of one call of ``function`` traced on ``input_specs`` (fully defined shapes).

    Returns {"total", "matmul_conv", "pruned"}: registered FLOPs of the ops that run, of the
    matrix products and convolutions among them, and of the ops TensorFlow prunes.
    """
    for spec in input_specs:
        if not spec.shape.is_fully_defined():
            raise ValueError(f"input shapes must be fully defined to count FLOPs, got {spec}")
    graph = function.get_concrete_function(*input_specs).graph
    counts = registered_flops(graph)
    live = _live_ops(graph)
    types = {op.name: op.type for op in graph.get_operations()}
    unknown = set(counts) - set(types)
    if unknown:
        raise RuntimeError(f"the profiler counted ops the graph does not hold: {sorted(unknown)[:5]}")
    return {
        "total": sum(n for name, n in counts.items() if name in live),
        "matmul_conv": sum(n for name, n in counts.items() if name in live and types[name] in MATMUL_CONV_OPS),
        "pruned": sum(n for name, n in counts.items() if name not in live),
    }


# ---------------------------------------------------------------------------------------------
# Counting by hand


def layer_flops(layer: keras.layers.Layer) -> int:
    """Forward FLOPs per sample of a layer's matrix product or convolution (0 for other layers).

    Raises ValueError for a layer with a kernel of a kind it does not know (rather than
    counting it as free).
    """
    if isinstance(layer, keras.layers.Dense):
        fan_in, units = layer.kernel.shape
        return 2 * int(fan_in) * int(units)
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
        if layer.data_format != "channels_last":
            raise ValueError(f"{layer.name}: only channels_last convolutions are counted")
        if getattr(layer, "groups", 1) != 1 or any(d != 1 for d in layer.dilation_rate):
            raise ValueError(f"{layer.name}: grouped or dilated convolutions are not counted")
        kernel_h, kernel_w, _, _ = (int(d) for d in layer.kernel.shape)
        if isinstance(layer, keras.layers.Conv2DTranspose):
            # kernel (k, k, cout, cin); the work is one k*k*cout block per input position and channel
            _, height, width, cin = layer.input.shape
            cout = layer.filters
        else:
            cin = layer.input.shape[-1]
            _, height, width, cout = layer.output.shape
        return 2 * kernel_h * kernel_w * int(cin) * int(cout) * int(height) * int(width)
    if any(w.name.endswith("kernel") for w in layer.weights):
        raise ValueError(f"{layer.name} ({type(layer).__name__}) has a kernel this count does not know")
    return 0


def network_flops(model: keras.Model) -> list[int]:
    """Forward FLOPs per sample of each matrix product or convolution of ``model``, in order."""
    counts = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            counts += network_flops(layer)
        elif (n := layer_flops(layer)) > 0:
            counts.append(n)
    if not counts:
        raise ValueError(f"{model.name} has no Dense or convolution layer to count")
    return counts


def analytic_flops(generator: keras.Model, discriminator: keras.Model, batch_size: int) -> int:
    """Matrix-product and convolution FLOPs of one GAN step (one D update, then one G update).

    D update: the generator's forward pass (no gradient), then for the real and the fake batch
    the discriminator's forward pass, its weight gradients, and its input gradients but the
    first layer's.  G update: both networks' forward passes, the discriminator's input
    gradients (all layers: they flow on to the generator), the generator's weight gradients
    and its input gradients but the first layer's.
    """
    g, d = network_flops(generator), network_flops(discriminator)
    g_forward, d_forward = sum(g), sum(d)
    d_update = g_forward + 2 * (d_forward + d_forward + (d_forward - d[0]))
    g_update = g_forward + d_forward + d_forward + g_forward + (g_forward - g[0])
    return batch_size * (d_update + g_update)


def count_step(case: Any, make_step: Callable[[Any, bool], tuple[Callable, keras.Model]]) -> StepFlops:
    """Count one training step of a ``train_step.Case`` both ways.

    ``make_step(case, compiled=True)`` gives the hand-written step; the analytic count uses a
    fresh pair of ``case.build()`` networks (the same shapes).
    """
    step, _ = make_step(case, True)
    spec = tf.TensorSpec((case.batch_size, *case.data.shape[1:]), tf.float32)
    counted = graph_flops(step, spec)
    generator, discriminator = case.build()
    return StepFlops(
        total=counted["total"],
        matmul_conv=counted["matmul_conv"],
        pruned=counted["pruned"],
        analytic=analytic_flops(generator, discriminator, case.batch_size),
    )


# ---------------------------------------------------------------------------------------------
# The peak


def thread_settings() -> tuple[int, int]:
    """TensorFlow's (intra-op, inter-op) thread counts now; 0 means its default (all cores)."""
    return (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


def peak_flops(threads: tuple[int, int] | None = None, *, size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a ``size`` x ``size`` float32 matmul through TensorFlow: 2*size**3 per matmul,
    median over ``repeats`` timed matmuls after one untimed.

    ``threads`` = (intra-op, inter-op) as ``thread_settings()`` gives them; None takes the
    current ones.  Settings that differ from the current ones are applied, which TensorFlow only
    allows before its runtime starts (RuntimeError after that), so the peak is never measured on
    other threads than asked.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    if threads is not None and tuple(threads) != thread_settings():
        intra, inter = threads
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
        if thread_settings() != tuple(threads):
            raise RuntimeError(f"could not set TensorFlow's threads to {threads}; they are {thread_settings()}")
    generator = tf.random.Generator.from_seed(0)
    a = generator.normal((size, size), dtype=tf.float32)
    b = generator.normal((size, size), dtype=tf.float32)
    matmul = tf.function(lambda x, y: tf.linalg.matmul(x, y))
    float(matmul(a, b)[0, 0])  # trace and warm up
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        product = matmul(a, b)
        float(product[0, 0])  # the product is ready
        seconds.append(time.perf_counter() - start)
    rate = 2 * size**3 / statistics.median(seconds)
    if not math.isfinite(rate) or rate <= 0:
        raise RuntimeError(f"timing the matmul gave {rate} FLOP/s")
    return rate
