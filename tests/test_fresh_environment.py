"""A stand-in for Colab: a new virtual environment, gan_lib installed from a copy of the repository
(not editable), and a chapter run from a folder outside the repository.

This proves that the package installs whole (every module and data file it needs is packaged)
and that no chapter depends on repository-relative paths. Tests run offline, so the new
environment takes the third-party requirements from the environment running the tests (a .pth
line adds its site-packages, whose own .pth files, among them an editable gan_lib, stay
inactive); gan_lib itself comes only from the copy.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # a fresh environment and a whole chapter
CHAPTER = ROOT / "book" / "01_concepts.ipynb"


def chapter_as_script(notebook: pathlib.Path) -> str:
    """The chapter's code cells, in order, as one Python script (the chapters use no magics)."""
    cells = json.loads(notebook.read_text())["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code") + "\n"


def test_gan_lib_installs_whole_and_a_chapter_runs_outside_the_repository(tmp_path):
    copy = tmp_path / "repository-copy"
    ignore = shutil.ignore_patterns(".venv*", "_build", ".git", "*.egg-info", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, copy, ignore=ignore)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    testing = [p for p in sys.path if p.endswith("site-packages")]
    (pathlib.Path(site) / "requirements-from-the-test-environment.pth").write_text("\n".join(testing) + "\n")
    assert subprocess.run([str(python), "-c", "import gan_lib"], cwd=tmp_path, capture_output=True).returncode != 0
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation"]
    subprocess.run([*install, str(copy)], check=True, timeout=300)
    shutil.rmtree(copy)  # from here on, only the installed package exists

    workdir = tmp_path / "reader"
    workdir.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import gan_lib; print(gan_lib.__file__)"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert pathlib.Path(where).is_relative_to(venv), f"gan_lib imported from {where}, not the new environment"

    (workdir / "chapter.py").write_text(chapter_as_script(CHAPTER))
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(python), "chapter.py"], cwd=workdir, capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "TensorFlow" in result.stdout  # the chapter's first output line, gl.runtime.describe()
