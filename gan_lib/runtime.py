"""What the chapter runs on: library versions, device, precision."""

from __future__ import annotations

import os
import platform

import keras
import tensorflow as tf


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (empty on a CPU-only machine)."""
    names = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        names.append(details.get("device_name", device.name))
    return names


def describe() -> str:
    """One line: TensorFlow and Keras versions, the device, and the precision policy."""
    gpus = gpu_names()
    device = f"GPU ({', '.join(gpus)})" if gpus else f"CPU ({platform.machine()})"
    policy = keras.mixed_precision.global_policy().name
    mixed = "on" if policy.startswith("mixed") else "off"
    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}, device: {device}, mixed precision: {mixed}"


def provenance(command: str, *, repo: str | os.PathLike | None = None) -> dict[str, str]:
    """Where a stored result came from: command, git commit, UTC date, machine, versions.

    The commit is that of the git checkout ``repo`` (default: the working directory).
    """
    import datetime
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, timeout=10, cwd=repo
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=repo
        )
        if dirty.stdout.strip():
            commit += "+uncommitted"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    return {
        "command": command,
        "commit": commit,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "software": describe(),
    }
