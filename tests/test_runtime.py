import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from gan_lib import data, runtime

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def float32_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_describe_is_one_line_with_versions_device_and_precision(float32_policy):
    line = runtime.describe()
    assert "\n" not in line
    assert f"TensorFlow {__import__('tensorflow').__version__}" in line and f"Keras {keras.__version__}" in line
    assert line.endswith("mixed precision: off")
    names = runtime.gpu_names()
    assert ("device: GPU (" + ", ".join(names)) in line if names else "device: CPU" in line
    keras.mixed_precision.set_global_policy("mixed_float16")
    assert runtime.describe().endswith("mixed precision: on (mixed_float16)")


def test_enable_mixed_precision_refuses_without_a_gpu(monkeypatch, capsys, float32_policy):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    assert runtime.enable_mixed_precision() is False
    assert "no GPU" in capsys.readouterr().out
    assert keras.mixed_precision.global_policy().name == "float32" and not runtime.mixed_precision_on()


def test_enable_mixed_precision_on_a_gpu_sets_the_policy(monkeypatch, capsys, float32_policy):
    monkeypatch.setattr(runtime, "gpu_names", lambda: ["Fake GPU"])
    assert runtime.enable_mixed_precision() is True
    assert keras.mixed_precision.global_policy().name == "mixed_float16" and runtime.mixed_precision_on()
    assert "mixed_float16" in capsys.readouterr().out
    runtime.disable_mixed_precision()
    assert not runtime.mixed_precision_on()


@pytest.mark.parametrize(
    ("gpus", "mnist_available", "name", "dataset"),
    [([], True, "cpu", "digits"), (["Fake GPU"], False, "gpu", "digits"), (["Fake GPU"], True, "gpu", "mnist")],
)
def test_choose_scale_picks_by_device_and_data(monkeypatch, capsys, gpus, mnist_available, name, dataset):
    monkeypatch.setattr(runtime, "gpu_names", lambda: gpus)
    monkeypatch.setattr(data, "available", lambda which: mnist_available)
    chosen = runtime.choose_scale()
    assert (chosen.name, chosen.dataset) == (name, dataset)
    assert chosen.image_shape == ((8, 8, 1) if dataset == "digits" else (28, 28, 1))
    assert f"scale {name!r}: {dataset}" in capsys.readouterr().out  # it says which it picked
    assert runtime.choose_scale(verbose=False).steps == chosen.steps and capsys.readouterr().out == ""


def test_gpu_scale_is_bigger_and_cpu_scale_loads_digits(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    cpu = runtime.choose_scale("digits", verbose=False)
    images, labels = cpu.load()
    assert images.shape == (len(labels), 8, 8, 1) and np.abs(images).max() <= 1.0
    monkeypatch.setattr(runtime, "gpu_names", lambda: ["Fake GPU"])
    gpu = runtime.choose_scale("digits", verbose=False)
    assert gpu.name == "gpu" and gpu.steps > cpu.steps and gpu.batch_size >= cpu.batch_size
    with pytest.raises(ValueError, match="dataset"):
        runtime.choose_scale("cifar10")


@pytest.mark.slow
def test_a_scale_by_name_is_the_one_choose_scale_picks_on_that_device(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    assert runtime.scale("cpu", "digits", reason="x") == dataclasses.replace(
        runtime.choose_scale("digits", verbose=False), reason="x"
    )
    monkeypatch.setattr(runtime, "gpu_names", lambda: ["GPU 0"])
    gpu = runtime.scale("gpu", "mnist")
    assert gpu == dataclasses.replace(runtime.choose_scale("mnist", verbose=False), reason=gpu.reason)
    assert gpu.image_shape == (28, 28, 1) and runtime.scale("gpu", "digits").image_shape == (8, 8, 1)
    for bad in (("tpu", "digits"), ("cpu", "cifar10")):
        with pytest.raises(ValueError, match="name|dataset"):
            runtime.scale(*bad)


def test_gpu_check_script_exits_nonzero_with_a_clear_message_without_a_gpu():
    # CUDA_VISIBLE_DEVICES="" hides any GPU, so this tests the no-GPU path on every machine.
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gpu_check.py")], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "No GPU found" in result.stdout
    assert "TensorFlow" in result.stdout  # the diagnostics come first, to debug a remote machine


def test_every_stored_result_starts_with_its_provenance():
    # The book's numbers come from these files; each must say how it was made.
    results = Path(__file__).resolve().parents[1] / "book" / "results"
    files = sorted(p for p in results.rglob("*") if p.is_file())
    assert files
    for path in files:
        if path.suffix == ".npz":
            # Arrays (chapter 6's samples): their provenance is in the CSVs written with them.
            assert list(path.parent.glob("*.csv")), f"{path}: no CSV with provenance beside it"
            continue
        head = [line for line in path.read_text().splitlines() if line.startswith("# ")]
        keys = {line[2:].partition(":")[0] for line in head}
        assert {"command", "commit", "date", "machine"} <= keys, f"{path.name} lacks provenance lines: {keys}"


def test_provenance_marks_a_changed_tracked_file_unless_told_to_ignore_it(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "results").mkdir()
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "results" / "rows.csv").write_text("a\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    clean = runtime.provenance("run", repo=tmp_path)["commit"]
    assert clean and "+uncommitted" not in clean and clean != "unknown"

    (tmp_path / "results" / "rows.csv").write_text("a\nb\n")  # a resumed sweep appended a row
    assert runtime.provenance("run", repo=tmp_path)["commit"] == clean + "+uncommitted"
    ignored = tmp_path / "results" / "rows.csv"
    assert runtime.provenance("run", repo=tmp_path / "results", ignore=[ignored])["commit"] == clean

    (tmp_path / "code.py").write_text("x = 2\n")  # any other change still counts
    assert runtime.provenance("run", repo=tmp_path, ignore=[ignored])["commit"] == clean + "+uncommitted"
