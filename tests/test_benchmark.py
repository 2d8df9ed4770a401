"""The speed benchmark runs end to end and ends with its speedup line."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # a subprocess run of a whole script


def test_benchmark_prints_every_way_and_the_speedup_line():
    command = [sys.executable, "benchmarks/train_step.py", "--repeats", "1", "--steps", "20", "--warmup", "5"]
    command += ["--eager-steps", "2", "--cases", "ring", "--levers"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"speedup: \d+\.\d\d", lines[-1]), lines[-1]
    summary = next(line for line in lines if line.startswith("ring MLP, batch 512: median steps/s"))
    ways = ["gan_lib", "hand", "eager", "gan_lib 1 step per call", "gan_lib no guard", "gan_lib XLA"]
    ways += ["gan_lib no trackers", "gan_lib autotuned data", "hand on gan_lib data"]
    for way in ways:
        value = re.search(rf"(?:: median steps/s |, ){re.escape(way)} (\d+\.\d)", summary)
        assert value and float(value.group(1)) > 0, (way, summary)
