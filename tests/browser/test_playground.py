"""The playground and the 1-D game as a reader meets them: Voilà on 127.0.0.1, headless Chromium.

Voilà runs each notebook of this folder (``playground_2d.ipynb``: ``gl.widgets.playground()``;
``playground_1d.ipynb``: ``gl.widgets.OneDimensionalGame``) in a fresh kernel and draws its widgets
with the same ipywidgets front end as JupyterLab, in a 1280 x 800 window. The server runs without
``TF_CPP_MIN_LOG_LEVEL``, as a reader's would. The tests then press the buttons as a reader would and
check what the page shows:

- no stderr box (TensorFlow's start-up log), no traceback, no JavaScript error;
- the picture at its natural size: the PNG has twice the pixels of its displayed size (sharp on a
  high-DPI screen) and is displayed at exactly that size, never stretched;
- the picture's title is not cut off (nothing drawn at the picture's left and right edges, where a
  too-long title would run out), and nothing covers the picture;
- after each click the whole picture, and the button clicked, are in the window without scrolling;
- the status line fits: its text wraps within its box, the box within the controls' column, and the
  text is in the window (at the start, after each click and while playing);
- every click changes the picture and the status line as it should (step D, step G, step both,
  train N, reset); while a run runs the buttons are disabled and the status says so; the progress
  bar starts empty and counts the steps;
- play trains on by itself (the step counter in the status line advances, frame after frame), and
  pause, clicked while it plays, stops it (the counter and the picture then stay put);
- every control carries its tooltip in the page (the ``title`` of its label, or of the button);
- the 2-D playground's "custom" dataset shows its mixture's controls and redraws.

Screenshots go to ``_build/screenshots/playground_*.png``. Chromium comes as for test_browser.py;
without it every test skips. Voilà (``voila`` in requirements.txt) is needed: without it they fail.
"""

from __future__ import annotations

import base64
import io
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from test_browser import chromium_paths, install_chromium

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"
WINDOW = (1280, 800)

# What went to the page: stderr and error outputs, and the text of Voilà's error page.
PAGE_PROBLEMS = """
const shown = sel => Array.from(document.querySelectorAll(sel)).map(e => e.innerText.trim().slice(0, 300));
return {
  stderr: shown('[data-mime-type="application/vnd.jupyter.stderr"]'),
  errors: shown('[data-mime-type="application/vnd.jupyter.error"]'),
  traceback: /Traceback \\(most recent call last\\)|There was an error when executing cell/
             .test(document.body.innerText),
};
"""

# The picture, its place in the window, and what the browser draws at its top corners and top middle.
PICTURE = """
const image = document.querySelector('img.widget-image');
if (!image || !image.naturalWidth) return null;
const r = image.getBoundingClientRect();
const inset = 3;
const points = [[r.left + inset, r.top + inset], [r.right - inset, r.top + inset],
                [(r.left + r.right) / 2, r.top + inset], [r.left + inset, r.bottom - inset],
                [r.right - inset, r.bottom - inset]];
return {
  src: image.src, naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight,
  left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
  windowWidth: window.innerWidth, windowHeight: window.innerHeight,
  covered: points.filter(([x, y]) => document.elementFromPoint(x, y) !== image).length,
};
"""

# The status line, the progress bar's label, and each button's text, state and place (the play
# toggle among them: ipywidgets draws both kinds as button.jupyter-button).
CONTROLS = """
const buttons = Array.from(document.querySelectorAll('button.jupyter-button'));
const label = document.querySelector('.widget-hprogress .widget-label');
return {
  status: (document.querySelector('.gan-lib-status .widget-html-content') || {innerText: ''}).innerText,
  progress: label ? label.innerText : null,
  buttons: Object.fromEntries(buttons.map(b => {
    const r = b.getBoundingClientRect();
    return [b.innerText.trim(), {disabled: b.disabled, top: r.top, bottom: r.bottom}];
  })),
};
"""

# The status line's box, the column it sits in, the extent of its text and the window: the text must fit
# in the box (no horizontal scroll, nothing past its right or bottom edge), the box in the column, and
# the text in the window (read without scrolling, beside the picture).
STATUS_FIT = """
const status = document.querySelector('.gan-lib-status');
if (!status) return null;
const content = status.querySelector('.widget-html-content') || status;
const range = document.createRange();
range.selectNodeContents(content);
const text = range.getBoundingClientRect(), box = status.getBoundingClientRect();
const column = status.parentElement.getBoundingClientRect();
return {
  scrollWidth: status.scrollWidth, clientWidth: status.clientWidth,
  contentScrollWidth: content.scrollWidth, contentClientWidth: content.clientWidth,
  textRight: text.right, textBottom: text.bottom, boxRight: box.right, boxBottom: box.bottom,
  columnRight: column.right, windowWidth: window.innerWidth, windowHeight: window.innerHeight,
};
"""

# Records every state of the status line and the buttons while a run runs (the kernel answers
# between a click and its result, faster than polling could see).
WATCH = """
window.seen = [];
const record = () => {
  const status = (document.querySelector('.gan-lib-status .widget-html-content') || {innerText: ''}).innerText;
  const buttons = Array.from(document.querySelectorAll('button.jupyter-button'));
  window.seen.push({status: status, disabled: buttons.map(b => b.disabled)});
};
new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     characterData: true});
"""


# Each control's tooltip as the page has it (the title attribute, which the browser shows on hover):
# ipywidgets 8 puts it on a control's description label, on a dropdown's menu (whose label, beside it,
# is an HTML widget with a title of its own), and on a button. HTML widgets (the status line, those
# labels) are no controls.
TOOLTIPS = """
const root = document.querySelector('img.widget-image').closest('.jp-OutputArea-output');
const labelled = Array.from(root.querySelectorAll('.widget-inline-hbox:not(.widget-html)')).map(box => {
  const label = box.querySelector('.widget-label');
  const titled = box.querySelector('[title]');
  const name = (label && label.textContent.trim()) || box.textContent.trim().slice(0, 40);
  return {name: name, title: (label && label.title) || (titled && titled.title) || ''};
});
const buttons = Array.from(root.querySelectorAll('button.jupyter-button'))
  .map(b => ({name: b.textContent.trim(), title: b.title || ''}));
return {labelled: labelled, buttons: buttons};
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def voila():
    """A Voilà server on 127.0.0.1 serving this folder; yields its address."""
    try:
        import voila as _  # noqa: F401
    except ImportError:
        pytest.fail("Voilà is not installed: pip install -r requirements.txt")
    port = free_port()
    # As a reader's would be: no TF_CPP_MIN_LOG_LEVEL, and no PYTEST_CURRENT_TEST, with which ipykernel
    # stops forwarding what C++ code writes to stderr (TensorFlow's start-up log) to the page.
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    log = open(ROOT / "_build" / "voila.log", "w") if (ROOT / "_build").is_dir() else subprocess.DEVNULL
    # show_tracebacks: Voilà keeps stderr and tracebacks on the page (by default it drops them), as
    # JupyterLab and Colab show them.
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
         "--VoilaConfiguration.show_tracebacks=True", str(HERE)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(address, timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail(f"Voilà did not start on {address} (exit code {server.poll()})")
                time.sleep(1)
        yield address
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        if log is not subprocess.DEVNULL:
            log.close()


@pytest.fixture(scope="module")
def browser():
    problem = install_chromium()
    if problem:
        pytest.skip(f"Chromium cannot be installed here: {problem}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(600)  # Voilà sends the page once the notebook has run
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def javascript_errors(driver) -> list[str]:
    """Errors in the browser's console since the last call: uncaught exceptions, console.error, and
    requests to the local server that failed. (Voilà's icon font, from a CDN, cannot load offline.)"""
    errors = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if entry["source"] == "network" and "127.0.0.1" not in entry["message"]:
            continue
        errors.append(entry["message"][:300])
    return errors


def wait_for(driver, condition, what: str, seconds: float = 300):
    """Poll ``condition(controls)`` until it holds; returns the controls then."""
    deadline = time.time() + seconds
    while True:
        controls = driver.execute_script(CONTROLS)
        if condition(controls):
            return controls
        if time.time() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}; the status line says {controls['status']!r}, "
                        f"the progress bar {controls['progress']!r}")
        time.sleep(0.2)


def idle(controls) -> bool:
    return bool(controls["buttons"]) and not any(b["disabled"] for b in controls["buttons"].values())


def check_page(driver, name: str) -> None:
    problems = driver.execute_script(PAGE_PROBLEMS)
    assert not problems["stderr"], f"{name}: stderr boxes on the page: {problems['stderr']}"
    assert not problems["errors"] and not problems["traceback"], f"{name}: an error shows: {problems['errors']}"
    errors = javascript_errors(driver)
    assert not errors, f"{name}: JavaScript errors: {errors}"


def check_picture(driver, name: str, button: str | None = None) -> dict:
    """The picture at its natural size, whole, uncovered and in the window (with the button clicked)."""
    picture = driver.execute_script(PICTURE)
    assert picture, f"{name}: no picture"
    natural = (picture["naturalWidth"] / 2, picture["naturalHeight"] / 2)
    assert (picture["width"], picture["height"]) == pytest.approx(natural, abs=0.5), (
        f"{name}: a {picture['naturalWidth']} x {picture['naturalHeight']} PNG shown at "
        f"{picture['width']:.0f} x {picture['height']:.0f} px, not at half its size")
    assert picture["left"] >= 0 and picture["right"] <= picture["windowWidth"], f"{name}: the picture is cut off"
    after = f" after a click on {button}" if button else ""
    assert picture["top"] >= 0 and picture["bottom"] <= picture["windowHeight"], (
        f"{name}: the picture (top {picture['top']:.0f}, bottom {picture['bottom']:.0f}) is not wholly in the "
        f"{picture['windowWidth']} x {picture['windowHeight']} window{after}")
    assert picture["covered"] == 0, f"{name}: something covers the picture's corners or its title"
    if button:
        place = driver.execute_script(CONTROLS)["buttons"][button]
        assert place["top"] >= 0 and place["bottom"] <= picture["windowHeight"], f"{name}: {button} left the window"
    return picture


def check_status_fits(driver, name: str, when: str) -> None:
    """The status line's text within its box (no horizontal overflow, nothing past its edges), the box
    within the controls' column, and the text within the 1280 x 800 window."""
    fit = driver.execute_script(STATUS_FIT)
    assert fit, f"{name}: no status line"
    fits = (fit["scrollWidth"] <= fit["clientWidth"] and fit["contentScrollWidth"] <= fit["contentClientWidth"]
            and fit["textRight"] <= fit["boxRight"] + 0.5 and fit["textBottom"] <= fit["boxBottom"] + 0.5
            and fit["boxRight"] <= fit["columnRight"] + 0.5
            and fit["textRight"] <= fit["windowWidth"] and fit["textBottom"] <= fit["windowHeight"])
    assert fits, f"{name}: the status line overflows its box, its column or the window {when}: {fit}"


def check_title_not_cut_off(driver, name: str) -> None:
    """Nothing drawn in the picture's top band at its left and right edges: a title too long for the
    figure runs into the edges there (and beyond them, where it is lost)."""
    from matplotlib import image as mpimg

    element = driver.find_element("css selector", "img.widget-image")
    png = base64.b64decode(element.screenshot_as_base64)
    pixels = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    band = pixels[: max(4, int(0.08 * pixels.shape[0]))]
    edges = np.concatenate([band[:, :3], band[:, -3:]], axis=1)
    assert edges.min() > 0.9, f"{name}: something is drawn at the picture's edges in its title band (a cut-off title?)"


def open_notebook(driver, address: str, name: str) -> None:
    # Leaving a page, Voilà asks its server to shut the page's kernel down, and is refused (403): that
    # is the last page's business, so its console is emptied before the next page opens.
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get(f"{address}/voila/render/{name}.ipynb")
    wait_for(driver, lambda c: idle(c) and driver.execute_script(PICTURE) is not None, f"{name}'s widgets")
    # The top of the widget at the top of the window, as a reader scrolls to it.
    driver.execute_script("document.querySelector('.widget-image').closest('.jp-OutputArea-output').scrollIntoView()")
    time.sleep(0.5)


def click(driver, name: str, button: str, expected: str) -> dict:
    """Press a button; wait until the status line shows ``expected`` and the buttons are enabled again;
    check that the picture changed and that, while it ran, the buttons were disabled and the status said so."""
    before = driver.execute_script(PICTURE)["src"]
    driver.execute_script(WATCH)
    driver.find_element("xpath", f"//button[normalize-space()='{button}']").click()
    controls = wait_for(driver, lambda c: expected in c["status"] and idle(c), f"{expected!r} after {button}")
    seen = driver.execute_script("return window.seen")
    running = [state for state in seen if "Running" in state["status"]]
    assert running, f"{name}: the status line never said that {button} was running"
    assert all(all(state["disabled"]) for state in running), f"{name}: a button was enabled during {button}"
    wait_for(driver, lambda c: driver.execute_script(PICTURE)["src"] != before, f"a new picture after {button}", 30)
    check_picture(driver, name, button)
    check_status_fits(driver, name, f"after {button}")
    return controls


def check_tooltips(driver, name: str, controls: int, buttons: int) -> None:
    """Every control (``controls`` with a description, ``buttons`` buttons) has a tooltip in the page."""
    tips = driver.execute_script(TOOLTIPS)
    assert len(tips["labelled"]) == controls and len(tips["buttons"]) == buttons, tips
    missing = [tip["name"] for tip in tips["labelled"] + tips["buttons"] if not tip["title"].strip()]
    assert not missing, f"{name}: controls without a tooltip: {missing}"


def count(driver, pattern: str) -> int:
    """The step counter in the status line (the first number after ``pattern``)."""
    status = driver.execute_script(CONTROLS)["status"]
    match = re.search(pattern + r" (\d+)", status)
    assert match, f"no {pattern!r} in the status line {status!r}"
    return int(match.group(1))


def play_and_pause(driver, name: str, pattern: str) -> None:
    """Press play: the counter must advance frame after frame, by itself; press pause while it plays:
    the run must stop (the counter and the picture stay put), and every button must be enabled again."""
    start = count(driver, pattern)
    driver.find_element("xpath", "//button[normalize-space()='play']").click()
    controls = wait_for(driver, lambda c: "Playing" in c["status"] and "pause" in c["buttons"], "play to start", 60)
    assert controls["buttons"]["pause"]["disabled"] is False and controls["buttons"]["step D"]["disabled"]
    wait_for(driver, lambda c: count(driver, pattern) > start, f"{pattern} to advance while playing", 120)
    first = count(driver, pattern)
    wait_for(driver, lambda c: count(driver, pattern) > first, f"{pattern} to advance again while playing", 120)
    check_picture(driver, name)
    check_status_fits(driver, name, "while playing")
    driver.save_screenshot(str(SCREENSHOTS / f"{name}_playing.png"))
    driver.find_element("xpath", "//button[normalize-space()='pause']").click()
    wait_for(driver, lambda c: idle(c) and "play" in c["buttons"] and "Playing" not in c["status"],
             "pause to stop the run", 120)
    stopped, picture = count(driver, pattern), driver.execute_script(PICTURE)["src"]
    time.sleep(3)  # several frames' time
    assert count(driver, pattern) == stopped, f"{name}: training went on after pause"
    assert driver.execute_script(PICTURE)["src"] == picture, f"{name}: the picture changed after pause"
    check_picture(driver, name, "play")


def test_the_playground_in_a_browser(voila, browser):
    name = "playground_2d"
    open_notebook(browser, voila, name)
    check_page(browser, name)
    check_picture(browser, name)
    check_title_not_cut_off(browser, name)
    check_status_fits(browser, name, "at the start")
    start = browser.execute_script(CONTROLS)
    assert "D updates 0, G updates 0" in start["status"]
    assert start["progress"] == "steps 0/500"  # empty before any training, and labelled
    # 16 settings (the custom dataset's four among them, hidden; the learning rates and the weight each a
    # slider and a box), the progress bar; six buttons
    check_tooltips(browser, name, controls=17, buttons=6)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}_start.png"))

    click(browser, name, "step D", "D updates 1, G updates 0")
    click(browser, name, "step G", "D updates 1, G updates 1")
    click(browser, name, "step both", "D updates 2, G updates 2")
    n_box = "//div[contains(@class, 'widget-text')][.//label[normalize-space()='N']]//input"
    box = browser.find_element("xpath", n_box)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("300", Keys.ENTER)
    wait_for(browser, lambda c: c["progress"] == "steps 0/300", "the progress bar to show N = 300", 30)
    controls = click(browser, name, "train N steps", "D updates 302, G updates 302")
    assert controls["progress"] == "steps 300/300"
    check_title_not_cut_off(browser, name)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}_trained.png"))
    controls = click(browser, name, "reset", "D updates 0, G updates 0")
    assert controls["progress"] == "steps 0/300"
    play_and_pause(browser, name, "D updates")
    check_page(browser, name)

    # The custom dataset: its mixture's controls appear, and a new game starts on a ring of 8.
    Select(browser.find_element("xpath", "//select[option[@value='custom']]")).select_by_visible_text("custom")
    wait_for(browser, lambda c: "custom (ring of 8" in c["status"] and "D updates 0" in c["status"] and idle(c),
             "the custom dataset", 60)
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('.widget-label, .widget-html-content'))"
        ".filter(e => e.offsetParent).map(e => e.textContent.trim())")
    assert {"arrangement", "modes", "radius", "std of a mode"} <= set(shown), shown
    check_picture(browser, name)
    check_title_not_cut_off(browser, name)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}_custom.png"))
    check_page(browser, name)


def test_the_one_dimensional_game_in_a_browser(voila, browser):
    name = "playground_1d"
    open_notebook(browser, voila, name)
    check_page(browser, name)
    check_picture(browser, name)
    check_title_not_cut_off(browser, name)
    check_status_fits(browser, name, "at the start")
    assert "D updates 0, G updates 0" in browser.execute_script(CONTROLS)["status"]
    check_tooltips(browser, name, controls=1, buttons=5)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}_start.png"))

    click(browser, name, "step D", "D updates 50, G updates 0")
    click(browser, name, "step G", "D updates 50, G updates 50")
    click(browser, name, "step both", "D updates 100, G updates 100")
    check_title_not_cut_off(browser, name)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}_played.png"))
    click(browser, name, "reset", "D updates 0, G updates 0")
    play_and_pause(browser, name, "D updates")
    check_page(browser, name)
