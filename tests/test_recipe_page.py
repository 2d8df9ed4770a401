"""The recipe page (book/recipe.ipynb): its plain-TensorFlow recipe and the check that ties it to gl.GAN.

The page's hidden check trains its plain step and ``gl.GAN`` from the same start for 40 steps and
requires every weight array to agree within 1% of how far it moved. These tests run the page's
own cells and show that the bound is tight enough to catch a wrong setting, and that the page's
``train`` function runs.
"""

import json
import pathlib

import numpy as np
import pytest

import gan_lib as gl

PAGE = pathlib.Path(__file__).resolve().parents[1] / "book" / "recipe.ipynb"


def cell_source(cell_id: str) -> str:
    cells = {cell.get("id"): cell for cell in json.loads(PAGE.read_text())["cells"]}
    return "".join(cells[cell_id]["source"])


@pytest.fixture(scope="module")
def page() -> dict:
    """The page's namespace after its imports, its plain recipe and its check (which asserts)."""
    namespace: dict = {}
    exec(cell_source("recipe-imports"), namespace)
    namespace["recipe"] = gl.recipes.STABLE
    namespace["points"] = gl.sweep.sweep_dataset("ring")[0]
    exec(cell_source("plain-tf"), namespace)
    exec(cell_source("plain-check"), namespace)
    return namespace


WRONG = {
    "R1 weight 10% too large": ({"GAMMA": 0.11}, {}),
    "learning rate 10% too large": ({"RATE": 1.1e-3}, {}),
    "Adam's default beta_2 0.999": ({"BETA_2": 0.999}, {}),
    "no decay of the learning rate": ({}, {"schedule": 10**6}),
}


@pytest.mark.slow
def test_the_page_check_compares_every_weight_array_and_each_one_moved(page):
    # The fixture ran the page's check, which asserts the agreement itself.
    counts = [len(weights) for weights in page["end"]]
    assert counts == [10, 10]  # 5 Dense layers each: generator, discriminator
    moved = [np.abs(e - s).max() for es, ss in zip(page["end"], page["start"]) for e, s in zip(es, ss)]
    assert min(moved) > 0


@pytest.mark.parametrize("wrong", list(WRONG), ids=list(WRONG))
@pytest.mark.slow
def test_the_page_check_fails_with_a_wrong_setting(page, wrong):
    constants, run_arguments = WRONG[wrong]
    saved = {name: page[name] for name in constants}
    page.update(constants)  # the plain step reads these when it is traced
    try:
        gaps = page["gaps"](page["plain_run"](**run_arguments))
    finally:
        page.update(saved)
    assert np.max(gaps) > 0.05, wrong  # five times the page's bound


@pytest.mark.slow
def test_the_plain_train_function_runs(page):
    points = page["points"][:2048]
    generator = page["train"](points, steps=4)
    samples = np.asarray(generator(np.zeros((10, page["LATENT"]), np.float32)))
    assert samples.shape == (10, 2) and np.isfinite(samples).all()
