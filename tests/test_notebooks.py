"""Hygiene of the chapter notebooks: committed clean, listed in the toc, set up for Colab."""

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: a code cell has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_listed_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text()
    assert f"book/{path.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_a_colab_badge_and_a_guarded_setup_cell(path):
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown" and "colab-badge" in "".join(cells[0]["source"])
    setup = "".join(cells[1]["source"])
    assert cells[1]["cell_type"] == "code" and '"google.colab" in sys.modules' in setup


def test_toc_lists_only_files_that_exist():
    for line in (ROOT / "_toc.yml").read_text().splitlines():
        line = line.strip()
        if line.startswith(("- file:", "root:")):
            stem = line.split(":", 1)[1].strip()
            assert any((ROOT / f"{stem}{suffix}").exists() for suffix in (".md", ".ipynb")), stem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_and_badge_use_the_repository_named_in_config(path):
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    cells = json.loads(path.read_text())["cells"]
    assert f"git+{url}@" in "".join(cells[1]["source"]), f"{path.name}: setup cell does not install from {url}"
    github_path = url.removeprefix("https://github.com/")
    badge = "".join(cells[0]["source"])
    assert f"colab.research.google.com/github/{github_path}/blob/" in badge
    assert f"/book/{path.name})" in badge, f"{path.name}: the Colab badge points at another notebook"
