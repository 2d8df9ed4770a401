"""The built book in a real browser: headless Chromium, driven by Selenium.

Runs after the book is built (``make browser``, part of ``make test``). On every page of the book
(every file in ``_toc.yml``) it checks what a reader sees: no raw markdown table text, no raw TeX
(MathJax, served from the book's own ``_static/mathjax``, typesets every formula without a
network), no raw MyST roles or directives, no missing-glyph boxes where the text is Chinese, and
that every image loads. It writes a full-page screenshot of every page to ``_build/screenshots/``
for a person to look at. For three chapters it also checks that exercise solutions stay hidden
until opened, and that the only Colab link, the badge, opens this chapter's Colab edition.
Navigation: the sidebar and each chapter's title carry the chapter's number, exercises are
numbered per chapter ("Exercise 5.2"), and every figure a chapter draws has a numbered caption
("Figure 3.1") that the text refers to.

Chromium comes from the Debian packages chromium and chromium-driver, the Chinese font from
fonts-noto-cjk; the fixture installs them with apt-get when they are missing. Without Chromium
every test skips, saying why. Without the font only the Chinese check skips, and only where
apt-get cannot run; where it can but fails, the tests fail.
"""

from __future__ import annotations

import base64
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = ["01_concepts", "05_stability_fixes", "06_images_and_evaluation"]
RAW_MARKUP = ["{exercise}", "{solution", ":label:", ":class: dropdown", ":::", "```"]


def toc_files(entry) -> list[str]:
    """Every ``file`` (and the ``root``) in _toc.yml, in reading order, parts and sections included."""
    if isinstance(entry, list):
        return [name for item in entry for name in toc_files(item)]
    if not isinstance(entry, dict):
        return []
    found = [entry[key] for key in ("root", "file") if key in entry]
    for key in ("parts", "chapters", "sections"):
        found += toc_files(entry.get(key, []))
    return found


def numbered_chapters(toc: dict) -> list[str]:
    """The chapters of the toc's numbered parts, in reading order: chapter k is the k-th."""
    return [
        entry["file"] for part in toc.get("parts", []) if part.get("numbered") for entry in part.get("chapters", [])
    ]


TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
# Every page of the book, as its path without suffix: "book/intro", "book/01_concepts", ...
PAGES = toc_files(TOC)
# The numbered chapters, and each one's number: {"book/01_concepts": 1, ...}
CHAPTER_NUMBERS = {page: number for number, page in enumerate(numbered_chapters(TOC), start=1)}

# What a reader must never see in the running text (code blocks, inline code and typeset math
# are left out of the text these patterns run over).
RAW_TABLE = [
    # a table's |---|---| line (Sphinx's smart quotes turn --- into an em dash, -- into an en dash)
    re.compile(r"\|[ \t]*:?(?:-{3,}|[\u2013\u2014][-\u2013\u2014]*):?[ \t]*\|"),
    re.compile(r"(?m)^[ \t]*\|(?:[^|\n]*\|){2,}[ \t]*$"),  # a row of two or more | cells |
]
RAW_TEX = [
    re.compile(r"\\[()\[\]]"),  # \( \) \[ \]: MathJax's delimiters left standing
    re.compile(r"\$\$"),
    re.compile(r"\\[A-Za-z]{2,}"),  # \frac, \mathbb, \log, ...
    re.compile(r"\$[^\s$\d][^$\n]{0,100}?\$"),  # $x$ that never became math
]
RAW_MYST = [
    # {cite}, {term}, {exercise}, {solution-start}, {cite:p}; not TeX's \text{data} or x_{max}
    re.compile(r"(?<![\w\\^_}])\{[a-z][a-z0-9_-]*(?::[a-z0-9_-]+)*\}"),
    re.compile(r":::|```"),  # directive fences
    re.compile(r"(?m)^[ \t]*:[a-z][a-z-]*:(?=[ \t]|$)"),  # directive options such as :label: or :class:
]

# The page's text as a reader sees it, minus code, scripts and typeset math. Hidden parts (closed
# dropdowns, folded cells) are included: they are text a reader sees on opening them. Block
# elements start a new line; a left-out inline element (inline code) leaves an ellipsis behind.
PROSE_TEXT = """
const skipped = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA', 'PRE', 'CODE', 'KBD',
                         'SAMP', 'MJX-CONTAINER', 'MJX-ASSISTIVE-MML', 'MATH', 'SVG']);
const parts = [];
function walk(node) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) { parts.push(child.data); continue; }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const display = getComputedStyle(child).display;
    const block = !display.startsWith('inline') && display !== 'contents';
    if (skipped.has(child.tagName.toUpperCase())) { parts.push(block ? '\\n' : '\\u2026'); continue; }
    if (block) parts.push('\\n');
    walk(child);
    if (block) parts.push('\\n');
  }
}
walk(document.body);
return parts.join('');
"""

# Math: how many formulas the page has, how many MathJax typeset, and where MathJax came from.
MATH_STATE = """
const formulas = Array.from(document.querySelectorAll('.math'));
return {
  formulas: formulas.length,
  untypeset: formulas.filter(f => !f.querySelector('mjx-container')).map(f => f.textContent.trim().slice(0, 60)),
  loaded: Boolean(window.MathJax && window.MathJax.startup),
  sources: Array.from(document.scripts).map(s => s.src).filter(src => /mathjax/i.test(src)),
};
"""

# Chinese text against missing-glyph boxes. Each Han character on the page is drawn on a canvas in
# the font of the element it sits in, and its pixels are compared with those of characters no font
# has (a private-use code point, an unassigned one): the same pixels mean the reader sees a box.
# Different characters drawn with identical pixels are boxes too.
CJK_GLYPHS = """
const canvas = document.createElement('canvas');
canvas.width = 48; canvas.height = 48;
const context = canvas.getContext('2d', {willReadFrequently: true});
function pixels(character, font) {
  context.clearRect(0, 0, 48, 48);
  context.font = font;
  context.textBaseline = 'middle';
  context.fillStyle = '#000';
  context.fillText(character, 4, 24);
  return context.getImageData(0, 0, 48, 48).data.join(',');
}
const byFont = new Map();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const han = node.data.match(/\\p{Script=Han}/gu);
  if (!han || !node.parentElement || node.parentElement.closest('script, style')) continue;
  const style = getComputedStyle(node.parentElement);
  const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
  if (!byFont.has(font)) byFont.set(font, new Set());
  han.forEach(c => byFont.get(font).add(c));
}
const result = {characters: 0, boxes: [], fonts: []};
for (const [font, characters] of byFont) {
  const missing = ['\\u{10FFFD}', '\\uE000', '\\u0378'].map(c => pixels(c, font));
  const drawn = Array.from(characters).map(c => [c, pixels(c, font)]);
  const boxes = drawn.filter(([c, p]) => missing.includes(p)).map(([c]) => c);
  const distinct = new Set(drawn.map(([c, p]) => p)).size;
  if (!boxes.length && drawn.length > 1 && distinct === 1) boxes.push(...characters);
  result.characters += characters.size;
  result.fonts.push(font);
  if (boxes.length) result.boxes.push({font, characters: boxes.join('')});
}
return result;
"""


def chromium_paths() -> tuple[str, str] | None:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    result = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return bool(result.stdout.strip())


def apt_prefix() -> list[str] | None:
    """How to run apt-get here (as root, or through passwordless sudo); None where it cannot run."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    return ["sudo", "-n"] if shutil.which("sudo") else None


def apt_install(packages: list[str]) -> str | None:
    """Install Debian packages; returns why it failed, or None."""
    prefix = apt_prefix()
    if prefix is None:
        return f"apt-get cannot run here (no apt-get, or neither root nor sudo) to install {' '.join(packages)}"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(prefix + command, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {(result.stderr or result.stdout).strip()[-300:]}"
    return None


def install_chromium() -> str | None:
    """Install the Debian packages; returns why it failed, or None."""
    if chromium_paths():
        return None
    problem = apt_install(["chromium", "chromium-driver"])
    if problem:
        return problem
    return None if chromium_paths() else "apt-get ran, but chromium or chromedriver is still missing"


def install_cjk_font() -> str | None:
    """Install Debian's fonts-noto-cjk (the glossary's Chinese); returns why it failed, or None."""
    if cjk_font_installed():
        return None
    problem = apt_install(["fonts-noto-cjk"])
    if problem:
        return problem
    return None if cjk_font_installed() else "apt-get ran, but fc-list still lists no Chinese font"


@pytest.fixture(scope="module")
def browser():
    if not (HTML / "index.html").is_file():
        pytest.fail("no built book in _build/html: run `make book` (or `make strict-book`) first")
    problem = install_chromium()
    if problem:
        pytest.skip(f"Chromium cannot be installed here: {problem}")
    # Before the browser starts, so that it sees the font.
    font_problem = install_cjk_font()
    if font_problem and apt_prefix() is not None:
        pytest.fail(f"fonts-noto-cjk could not be installed: {font_problem}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(30)
    driver.cjk_font_problem = font_problem
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait_until(driver, script: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if driver.execute_script(script):
            return True
        time.sleep(0.1)
    return False


def open_page(driver, page: str) -> None:
    """Open a page and wait until it is drawn: images loaded, fonts ready, MathJax done."""
    driver.get((HTML / f"{page}.html").as_uri())
    wait_until(driver, "return document.readyState === 'complete'")
    # Scroll down the page in steps, so that lazily loaded images start loading.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    for y in range(0, height, 1200):
        driver.execute_script("window.scrollTo(0, arguments[0])", y)
    driver.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
    wait_until(driver, "return Array.from(document.images).every(i => i.complete)")
    driver.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1]())")
    # MathJax's scripts are deferred, so they have run by now; if MathJax loaded, wait for its typesetting.
    driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const startup = window.MathJax && window.MathJax.startup;
        if (startup && startup.promise) startup.promise.then(() => done(), () => done()); else done();"""
    )
    driver.execute_script("window.scrollTo(0, 0)")


def open_chapter(driver, name: str) -> None:
    open_page(driver, f"book/{name}")


def page_name(page: str) -> str:
    return pathlib.PurePosixPath(page).name


def full_page_screenshot(driver, path: pathlib.Path) -> None:
    """The whole page, top to bottom: the viewport is made as tall as the page, then captured."""
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    for _ in range(5):  # a taller viewport can change the page's height (100vh sidebars): settle it
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        time.sleep(0.5)  # let the theme finish its transitions
        settled = driver.execute_script("return document.documentElement.scrollHeight")
        if settled == height:
            break
        height = settled
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def findings(patterns: list[re.Pattern], text: str, limit: int = 5) -> list[str]:
    """Each match with a little of the text around it, at most `limit`."""
    found = []
    for pattern in patterns:
        shown_up_to = 0
        for match in pattern.finditer(text):
            if match.start() < shown_up_to:  # already inside the last excerpt
                continue
            start, end = max(match.start() - 30, 0), min(match.end() + 30, len(text))
            shown_up_to = end
            excerpt = " ".join(text[start:end].split())
            if excerpt not in found:
                found.append(excerpt)
            if len(found) >= limit:
                return found
    return found


@pytest.mark.parametrize("page", PAGES)
def test_full_page_screenshot_and_images(browser, page):
    """Runs first, so every page has its screenshot even when a check below fails."""
    open_page(browser, page)
    full_page_screenshot(browser, SCREENSHOTS / f"{page_name(page)}.png")
    images = browser.execute_script("return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    broken = [src[:80] for src, width in images if not width]
    assert not broken, f"{page}: images that did not load: {broken}"


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


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_markup_shows(browser, page):
    open_page(browser, page)
    name = page_name(page)
    text = browser.execute_script("return document.querySelector('main, article, body').innerText")
    shown = [markup for markup in RAW_MARKUP if markup in text]
    assert not shown, f"{name}: raw MyST markup on the page: {shown}"
    # TensorFlow's C++ start-up log goes to stderr; cells that start TensorFlow hide it (remove-stderr).
    logs = [line for line in ("absl::InitializeLog", "oneDNN custom operations", "cuInit") if line in text]
    assert not logs, f"{name}: TensorFlow's start-up log shows on the page: {logs}"
    # A static page cannot run widgets: their text stand-ins must not show (chapter 5's playground).
    widgets = [stub for stub in ("VBox(children", "Playground object at", "Loading widget") if stub in text]
    assert not widgets, f"{name}: a widget's placeholder shows on the page: {widgets}"


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_source_in_the_text(browser, page):
    """Tables render as tables, math as math, roles and directives as what they make."""
    open_page(browser, page)
    text = browser.execute_script(PROSE_TEXT)
    problems = {
        "raw markdown table text (a markdown output rendered as CommonMark?)": findings(RAW_TABLE, text),
        "raw TeX (MathJax did not typeset it)": findings(RAW_TEX, text),
        "raw MyST roles or directives": findings(RAW_MYST, text),
    }
    shown = {what: found for what, found in problems.items() if found}
    assert not shown, f"{page}: " + "; ".join(f"{what}: {found}" for what, found in shown.items())


# Code cells whose text is wider than their box, in the fixture's 1280-px window.
CUT_OFF_CODE = """
return Array.from(document.querySelectorAll('div.cell_input pre'))
  .filter(pre => pre.scrollWidth > pre.clientWidth)
  .map(pre => pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), ''));
"""


@pytest.mark.parametrize("page", list(CHAPTER_NUMBERS) + ["book/appendix_numbers"])
def test_code_fits_its_box(browser, page):
    """A code line of up to 88 characters is shown whole: no code cell scrolls sideways."""
    open_page(browser, page)
    cut_off = browser.execute_script(CUT_OFF_CODE)
    assert not cut_off, f"{page_name(page)}: code cut off at the box's edge, e.g. {cut_off[:2]}"


# Printed output wider than its box (a reader would have to scroll sideways to read it).
CUT_OFF_OUTPUT = """
return Array.from(document.querySelectorAll('div.cell_output pre'))
  .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), ''));
"""


@pytest.mark.parametrize("page", list(CHAPTER_NUMBERS) + ["book/appendix_numbers", "book/recipe"])
def test_printed_output_fits_its_box(browser, page):
    """What a cell prints is shown whole: no output box scrolls sideways."""
    open_page(browser, page)
    cut_off = browser.execute_script(CUT_OFF_OUTPUT)
    assert not cut_off, f"{page_name(page)}: printed output cut off at the box's edge, e.g. {cut_off[:2]}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset_offline(browser, page):
    """Every formula is typeset by a MathJax that comes with the book, not from a CDN."""
    open_page(browser, page)
    state = browser.execute_script(MATH_STATE)
    remote = [src for src in state["sources"] if re.match(r"(https?:)?//", src)]
    assert not remote, f"{page}: MathJax loads from the network, so math stays raw TeX offline: {remote}"
    if not state["formulas"]:
        return
    assert state["loaded"], f"{page}: {state['formulas']} formulas, but MathJax did not load ({state['sources']})"
    assert not state["untypeset"], (
        f"{page}: {len(state['untypeset'])} of {state['formulas']} formulas not typeset, e.g. {state['untypeset'][:3]}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_chinese_text_has_glyphs(browser, page):
    """Chinese characters draw as characters, not as missing-glyph boxes."""
    open_page(browser, page)
    result = browser.execute_script(CJK_GLYPHS)
    if page_name(page) == "glossary":
        found = result["characters"]
        assert found >= 20, f"{page}: expected the Chinese terms, found {found} Han characters"
    if result["characters"] and browser.cjk_font_problem:
        pytest.skip(f"no Chinese font to draw {page}'s Chinese with: {browser.cjk_font_problem}")
    assert not result["boxes"], (
        f"{page}: Chinese characters drawn as missing-glyph boxes (no font has them): {result['boxes'][:3]}"
    )


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
        time.sleep(0.1)
    assert any(part.is_displayed() for part in body), f"{name}: clicking the solution's title did not open it"
    browser.save_screenshot(str(SCREENSHOTS / f"{name}-solution-open.png"))


def edition_branch() -> str:
    """The branch the Colab edition is published to (scripts/set_repository.py's EDITION_BRANCH)."""
    source = (ROOT / "scripts" / "set_repository.py").read_text()
    return re.search(r'^EDITION_BRANCH = "([^"]+)"', source, re.MULTILINE).group(1)


@pytest.mark.parametrize("name", CHAPTERS)
def test_colab_links_open_this_chapters_colab_edition(browser, name):
    """Every Colab link on a chapter's page opens that chapter's Colab edition
    (scripts/colab_edition.py, published to its own branch), never the source notebook, whose
    MyST markup Colab would show raw: so there is a badge and no Colab launch button."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    github = config["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    edition = f"https://colab.research.google.com/github/{github}/blob/{edition_branch()}/book/{name}.ipynb"
    open_chapter(browser, name)
    links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    colab = [link for link in links if link.startswith("https://colab.research.google.com/")]
    assert edition in colab, f"{name}: no badge to the Colab edition {edition}; Colab links {colab}"
    assert set(colab) == {edition}, f"{name}: Colab links {colab}, expected only {edition}"


# The sidebar's links: where each one leads, and its text.
SIDEBAR_LINKS = """
return Array.from(document.querySelectorAll('nav.bd-links a.reference.internal'))
  .map(a => [a.href.split('#')[0], a.textContent.trim()]);
"""

# Exercise titles and figures, in the order a reader meets them; and the page's links to figures.
NUMBERING = """
const number = element => {
  const caption = element && element.querySelector('.caption-number');
  return caption ? caption.textContent.trim() : null;
};
const figures = Array.from(document.querySelectorAll('figure'));
const links = Array.from(document.querySelectorAll('a.reference.internal[href^="#"]'));
return {
  // The chapter's own heading (the theme's print header repeats the title without its number).
  title: document.querySelector('section > h1').textContent.trim(),
  exercises: Array.from(document.querySelectorAll('div.exercise')).map(e =>
    (e.querySelector('.admonition-title') || e).textContent.trim()),
  figures: figures.map(f => ({id: f.id, number: number(f.querySelector('figcaption'))})),
  // Images a cell drew that no numbered caption labels.
  unnumbered: Array.from(document.querySelectorAll('.cell_output img'))
    .filter(i => !number(i.closest('figure') && i.closest('figure').querySelector('figcaption')))
    .map(i => (i.alt || i.src).slice(0, 80)),
  referenced: links.map(a => a.getAttribute('href').slice(1)),
};
"""


def test_toc_numbers_the_eight_chapters():
    """The toc's numbered part holds the eight chapters, in order; the back matter is not numbered."""
    chapters = [f"book/{path.stem}" for path in sorted((ROOT / "book").glob("0[1-8]_*.ipynb"))]
    assert len(chapters) == 8 and list(CHAPTER_NUMBERS) == chapters, list(CHAPTER_NUMBERS)


def test_sidebar_numbers_the_chapters_and_only_them(browser):
    open_page(browser, PAGES[0])
    links = {}
    for href, text in browser.execute_script(SIDEBAR_LINKS):
        links.setdefault(href, text)
    for page in PAGES[1:]:
        text = links.get((HTML / f"{page}.html").as_uri())
        assert text is not None, f"the sidebar has no link to {page}"
        if page in CHAPTER_NUMBERS:
            number = CHAPTER_NUMBERS[page]
            assert re.match(rf"{number}\.\s+\S", text), (
                f"the sidebar shows {text!r} for {page}, expected chapter number {number}"
            )
        else:
            assert not re.match(r"\d", text), f"the sidebar numbers {page}, which is not a chapter: {text!r}"


@pytest.mark.parametrize("page", list(CHAPTER_NUMBERS))
def test_chapter_title_carries_its_number(browser, page):
    number = CHAPTER_NUMBERS[page]
    open_page(browser, page)
    title = browser.execute_script(NUMBERING)["title"]
    assert re.match(rf"{number}\.\s+\S", title), f"{page}: the title reads {title!r}, expected '{number}. ...'"


@pytest.mark.parametrize("page", list(CHAPTER_NUMBERS))
def test_exercises_are_numbered_per_chapter(browser, page):
    """Chapter k's exercises read "Exercise k.1", "Exercise k.2", ... in order."""
    number = CHAPTER_NUMBERS[page]
    open_page(browser, page)
    exercises = browser.execute_script(NUMBERING)["exercises"]
    assert exercises, f"{page}: no exercises found"
    for index, title in enumerate(exercises, start=1):
        assert re.match(rf"Exercise {number}\.{index}(?!\d)", title), (
            f"{page}: exercise {index} is titled {title!r}, expected 'Exercise {number}.{index}'"
        )


@pytest.mark.parametrize("page", list(CHAPTER_NUMBERS))
def test_figures_have_numbered_captions_the_text_refers_to(browser, page):
    """Every image a cell of chapter k draws sits in a figure captioned "Figure k.1", "Figure k.2",
    ... in order, and the text links to each figure (a {numref} reference)."""
    number = CHAPTER_NUMBERS[page]
    open_page(browser, page)
    state = browser.execute_script(NUMBERING)
    assert not state["unnumbered"], f"{page}: drawn without a numbered caption: {state['unnumbered']}"
    numbers = [figure["number"] for figure in state["figures"]]
    expected = [f"Figure {number}.{index}" for index in range(1, len(numbers) + 1)]
    assert numbers == expected, f"{page}: figure captions {numbers}, expected {expected}"
    unreferenced = [figure["id"] for figure in state["figures"] if figure["id"] not in state["referenced"]]
    assert not unreferenced, f"{page}: figures the text never refers to: {unreferenced}"
