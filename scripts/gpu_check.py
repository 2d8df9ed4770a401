"""Check the book's GPU path on a machine with an NVIDIA GPU; needs no network.

Run from the repository root:  make gpu-check   (or: python scripts/gpu_check.py)

It prints diagnostics first (Python, TensorFlow and its CUDA build, the GPUs seen, nvidia-smi),
then checks, each reported PASS or FAIL:

1. placement: tensors, variables and a GAN training step land on the GPU by default;
2. mixed precision: the conv GAN trains under mixed_float16 with float32 logits and finite losses;
3. the GPU scale: gan_lib.runtime.choose_scale("digits") trained for its full step count, then
   judged with the digits classifier (FID floor vs generated, class coverage, memorisation);
4. speed: steps/s of the same conv GAN on the GPU and on the CPU (``tf.device("/CPU:0")``),
   side by side in this one run.

Exit status: 0 all checks passed, 1 a check failed, 2 no GPU was found.  About 1-3 minutes on a
recent GPU; the CPU timing is kept short so the whole run stays under 5 minutes.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's gan_lib, installed or not

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import gan_lib as gl  # noqa: E402

SPEED_STEPS = 200  # timed steps per device, after a warm-up that traces and compiles
GPU_DEVICE = "/GPU:0"
ACCELERATOR = "GPU"  # what a device string must contain for a tensor to count as on the GPU


def diagnostics() -> list[str]:
    """Print what a remote reader needs to debug this machine; return the GPU names."""
    print(f"Python {sys.version.split()[0]} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, numpy {np.__version__}, gan_lib {gl.__version__}")
    build = tf.sysconfig.get_build_info()
    print(
        f"TensorFlow built with CUDA: {tf.test.is_built_with_cuda()} "
        f"(CUDA {build.get('cuda_version', '-')}, cuDNN {build.get('cudnn_version', '-')})"
    )
    print(f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '(unset)')}")
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
        try:
            result = subprocess.run(query, capture_output=True, text=True, timeout=30)
            print("nvidia-smi:", (result.stdout or result.stderr).strip() or "(no output)")
        except (OSError, subprocess.SubprocessError) as error:
            print(f"nvidia-smi failed: {error}")
    else:
        print("nvidia-smi: not on PATH")
    names = gl.runtime.gpu_names()
    print(f"GPUs TensorFlow sees: {names or 'none'}")
    print(gl.runtime.describe())
    return names


def build_gan(scale: gl.runtime.Scale, *, spectral_norm: bool = False) -> gl.GAN:
    gan = gl.GAN(
        gl.models.conv_generator(scale.latent_dim, scale.image_shape, base_filters=scale.base_filters),
        gl.models.conv_discriminator(
            scale.image_shape, base_filters=scale.base_filters, spectral_norm=spectral_norm
        ),
        latent_dim=scale.latent_dim,
        seed=0,
    )
    gan.compile()
    return gan


def steps_per_second(gan: gl.GAN, dataset, steps: int) -> float:
    gan.fit(dataset, epochs=1, steps_per_epoch=20, verbose=0)  # trace and compile outside the timing
    start = time.perf_counter()
    history = gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    elapsed = time.perf_counter() - start
    losses = [history.history["d_loss"][-1], history.history["g_loss"][-1]]
    if not np.all(np.isfinite(losses)):
        raise AssertionError(f"non-finite losses {losses}")
    return steps / elapsed


def check_placement(scale, images) -> None:
    with tf.device(GPU_DEVICE):
        product = tf.matmul(tf.random.normal((512, 512)), tf.random.normal((512, 512)))
    assert ACCELERATOR in product.device, f"a matmul under tf.device({GPU_DEVICE!r}) ran on {product.device}"
    # Default placement, as in a chapter: no device scope anywhere.
    gan = build_gan(scale)
    variable_device = gan.generator.trainable_variables[0].value.device
    assert ACCELERATOR in variable_device, f"generator weights live on {variable_device}"
    d_loss, real_logits, _ = gan.discriminator_step(tf.constant(images[: scale.batch_size]))
    g_loss = gan.generator_step(scale.batch_size)
    for name, tensor in (("discriminator loss", d_loss), ("real logits", real_logits), ("generator loss", g_loss)):
        assert ACCELERATOR in tensor.device, f"{name} computed on {tensor.device}"
    print(f"  weights on {variable_device}; eager training-step results on {d_loss.device}")
    print(f"  XLA (jit_compile) inside fit: {gan.jit_compile}")


def check_mixed_precision(scale, dataset) -> None:
    assert gl.runtime.enable_mixed_precision(), "enable_mixed_precision() refused on a GPU machine"
    # Keras' spectral normalisation bounds a norm by 1/epsilon = 1e7, which overflows float16 to inf
    # when traced; the bound then does nothing, as intended, so the warning is noise.
    warnings.filterwarnings("ignore", message="overflow encountered in cast", category=RuntimeWarning)
    try:
        gan = build_gan(scale, spectral_norm=True)
        hidden = gan.discriminator.layers[0]
        assert hidden.compute_dtype == "float16", f"hidden layers compute in {hidden.compute_dtype}"
        history = gan.fit(dataset, epochs=3, steps_per_epoch=100, verbose=0)
        for key, values in history.history.items():
            assert np.all(np.isfinite(values)), f"{key} not finite under mixed precision: {values}"
        logits = gan.discriminator(gan.generator(tf.random.normal((8, scale.latent_dim))))
        assert logits.dtype == tf.float32, f"logits are {logits.dtype} under mixed precision"
        print(
            f"  300 steps, losses finite: d_loss {history.history['d_loss'][-1]:.3f}, g_loss "
            f"{history.history['g_loss'][-1]:.3f}; logits {logits.dtype.name}"
        )
        print(f"  mixed precision speed: {steps_per_second(gan, dataset, SPEED_STEPS):.0f} steps/s")
    finally:
        gl.runtime.disable_mixed_precision()


def check_gpu_scale(scale, dataset) -> None:
    gan = build_gan(scale)
    start = time.perf_counter()
    history = gan.fit(dataset, epochs=1, steps_per_epoch=scale.steps, verbose=0)
    elapsed = time.perf_counter() - start
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{key} not finite: {values}"
    print(f"  {scale.steps} steps in {elapsed:.1f} s ({scale.steps / elapsed:.0f} steps/s, tracing included)")
    train, _ = gl.data.digits("train")
    test, _ = gl.data.digits("test")
    classifier = gl.judge.digits_classifier()
    fake = gan.sample(len(test), seed=0)
    floor = gl.judge.classifier_fid(train, test, classifier=classifier)
    fid = gl.judge.classifier_fid(train, fake, classifier=classifier)
    coverage = gl.judge.class_coverage(fake, classifier=classifier)
    copying = gl.metrics.memorisation(fake, train, test)
    print(
        f"  classifier test accuracy {classifier.test_accuracy:.3f}; classifier FID real test {floor:.2f}, "
        f"generated {fid:.2f}"
    )
    print(
        f"  classes {coverage['classes']}/10, KL from uniform {coverage['kl_uniform']:.3f} nats; "
        f"memorised {copying['memorised']} (median distance ratio {copying['median_ratio']:.2f})"
    )
    # Sanity bounds, not a benchmark: on a CPU the smaller scale reaches 10 classes and FID ~27 in 2,000
    # steps; uniform noise scores ~300-500 and a single digit ~570.
    assert coverage["classes"] >= 8, f"the GPU scale made only {coverage['classes']} of 10 digit classes"
    assert fid < 100, f"the GPU scale's classifier FID {fid:.1f} is no better than a broken generator"


def check_speed(scale, dataset) -> None:
    rates = {}
    for label, device, steps in (("GPU", GPU_DEVICE, SPEED_STEPS), ("CPU", "/CPU:0", SPEED_STEPS // 2)):
        with tf.device(device):
            gan = build_gan(scale)
            rates[label] = steps_per_second(gan, dataset, steps)
            where = gan.generator.trainable_variables[0].value.device
        assert device[1:4] in where, f"the {device} run kept its weights on {where}"
    print(f"  batch {scale.batch_size}, base_filters {scale.base_filters}, image {scale.image_shape}")
    print(f"  GPU {rates['GPU']:8.0f} steps/s")
    print(f"  CPU {rates['CPU']:8.0f} steps/s   (GPU / CPU = {rates['GPU'] / rates['CPU']:.1f}x)")


def main() -> int:
    start = time.perf_counter()
    gpus = diagnostics()
    if not gpus:
        print(
            "\nNo GPU found: TensorFlow sees no GPU on this machine, so there is nothing to check. "
            "Check that `nvidia-smi` lists a GPU, that CUDA_VISIBLE_DEVICES does not hide it, and that "
            "TensorFlow has its CUDA libraries (pip install 'tensorflow[and-cuda]' in the same environment)."
        )
        return 2
    keras.utils.set_random_seed(0)
    scale = gl.runtime.choose_scale("digits")  # no network here, so no MNIST: the GPU scale on digits
    images, _ = scale.load()
    dataset = gl.data.as_dataset(images, scale.batch_size, seed=0)
    failed = []
    for name, check in (
        ("placement on the GPU", lambda: check_placement(scale, images)),
        ("mixed precision trains without NaN", lambda: check_mixed_precision(scale, dataset)),
        ("GPU scale on digits", lambda: check_gpu_scale(scale, dataset)),
        ("steps/s, GPU vs CPU", lambda: check_speed(scale, dataset)),
    ):
        print(f"\n[{name}]")
        try:
            check()
            print("  PASS")
        except Exception:  # report every check, then fail at the end
            traceback.print_exc(file=sys.stdout)
            print("  FAIL")
            failed.append(name)
    print(
        f"\n{'FAILED: ' + ', '.join(failed) if failed else 'All GPU checks passed'} "
        f"({time.perf_counter() - start:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
