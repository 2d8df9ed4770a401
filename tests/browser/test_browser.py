"""The built book in a real browser: headless Chromium, driven by Selenium.

Runs after the book is built (``make browser``, part of ``make test``). For three chapters it
checks that every image loads, that no raw MyST markup (``{exercise}``, ``:label:``, fences)
shows on the page, that exercise solutions stay hidden until opened, and that the launch
buttons and the Colab badge open this chapter's notebook in Colab at the release tag. It writes
screenshots to ``_build/screenshots/`` for a person to look at.

Chromium comes from the Debian packages chromium and chromium-driver; the fixture installs them
with apt-get when they are missing, and skips, saying why, only when that fails.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = ["01_concepts", "05_stability_fixes", "06_images_and_evaluation"]
RAW_MARKUP = ["{exercise}", "{solution", ":label:", ":class: dropdown", ":::", "```"]


def chromium_paths() -> tuple[str, str] | None:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def install_chromium() -> str | None:
    """Install the Debian packages; returns why it failed, or None."""
    if chromium_paths():
        return None
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine (Chromium comes from Debian's chromium and chromium-driver packages)"
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]):
        result = subprocess.run(prefix + command, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {(result.stderr or result.stdout).strip()[-300:]}"
    return None if chromium_paths() else "apt-get ran, but chromium or chromedriver is still missing"


@pytest.fixture(scope="module")
def browser():
    if not (HTML / "index.html").is_file():
        pytest.fail("no built book in _build/html: run `make book` (or `make strict-book`) first")
    problem = install_chromium()
    if problem:
        pytest.skip(f"Chromium cannot be installed here: {problem}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def open_chapter(driver, name: str) -> None:
    driver.get((HTML / "book" / f"{name}.html").as_uri())
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")  # let lazy images load
    for _ in range(50):
        if driver.execute_script(
            "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"
        ):
            break
        driver.implicitly_wait(0.1)
    driver.execute_script("window.scrollTo(0, 0)")


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_image_loads(browser, name):
    open_chapter(browser, name)
    images = browser.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    assert images, f"{name}: no images on the page"
    broken = [src for src, width in images if not width]
    assert not broken, f"{name}: images that did not load: {broken}"
    # Every figure has alt text (the frames of an animation are described by the text around it).
    missing = browser.execute_script(
        "return Array.from(document.images).filter(i => !i.id.startsWith('_anim') && !i.alt.trim()).map(i => i.src)"
    )
    assert not missing, f"{name}: images without alt text: {[src[:80] for src in missing]}"
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_raw_markup_shows(browser, name):
    open_chapter(browser, name)
    text = browser.execute_script("return document.querySelector('main, article, body').innerText")
    shown = [markup for markup in RAW_MARKUP if markup in text]
    assert not shown, f"{name}: raw MyST markup on the page: {shown}"
    # TensorFlow's C++ start-up log goes to stderr; cells that start TensorFlow hide it (remove-stderr).
    logs = [line for line in ("absl::InitializeLog", "oneDNN custom operations", "cuInit") if line in text]
    assert not logs, f"{name}: TensorFlow's start-up log shows on the page: {logs}"
    # A static page cannot run widgets: their text stand-ins must not show (chapter 5's playground).
    widgets = [stub for stub in ("VBox(children", "Playground object at", "Loading widget") if stub in text]
    assert not widgets, f"{name}: a widget's placeholder shows on the page: {widgets}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_are_hidden_until_opened(browser, name):
    from selenium.webdriver.common.by import By

    open_chapter(browser, name)
    solutions = browser.find_elements(By.CSS_SELECTOR, ".solution")
    assert len(solutions) >= 3, f"{name}: expected at least 3 exercise solutions, found {len(solutions)}"
    for solution in solutions:
        body = solution.find_elements(By.CSS_SELECTOR, ".admonition-title ~ *")
        assert body and not any(part.is_displayed() for part in body), f"{name}: a solution is visible before opening"
    first = solutions[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.find_element(By.CSS_SELECTOR, ".admonition-title").click()
    body = first.find_elements(By.CSS_SELECTOR, ".admonition-title ~ *")
    for _ in range(30):
        if any(part.is_displayed() for part in body):
            break
        browser.implicitly_wait(0.1)
    assert any(part.is_displayed() for part in body), f"{name}: clicking the solution's title did not open it"
    browser.save_screenshot(str(SCREENSHOTS / f"{name}-solution-open.png"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_launch_buttons_open_this_notebook_in_colab(browser, name):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    github = config["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    expected = (
        f"https://colab.research.google.com/github/{github}/blob/{config['repository']['branch']}/book/{name}.ipynb"
    )
    open_chapter(browser, name)
    links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    colab = [link for link in links if link.startswith("https://colab.research.google.com/github/")]
    assert colab, f"{name}: no Colab link on the page"
    assert all(link == expected for link in colab), f"{name}: Colab links {colab}, expected {expected}"
    assert len(colab) >= 2, f"{name}: expected the launch button and the badge, found {colab}"
