"""The book's chapters, and every label a {ref}, {numref} or {doc} can name, numbered as the web book numbers them."""

from __future__ import annotations

import json
import pathlib
import re
from dataclasses import dataclass, field

from .syntax import DIRECTIVE, HEADING, OPTION, TARGET


def chapter_number(path: pathlib.Path) -> str:
    """ "5" for 05_stability_fixes.ipynb; "" for the back matter (the appendix), which the web book
    does not number either: its exercises and figures are numbered 1, 2, ... without a prefix."""
    match = re.match(r"(\d{2})_", path.name)
    return str(int(match.group(1))) if match else ""


def numbered(chapter: str, index: int) -> str:
    """ "5.2" for the second exercise (or figure) of chapter 5; "2" in the back matter."""
    return f"{chapter}.{index}" if chapter else str(index)


def plain(text: str) -> str:
    """Markdown emphasis and code marks taken out of a heading, for use inside a sentence."""
    return re.sub(r"[*_`]", "", text).strip()


@dataclass
class Target:
    kind: str  # "section", "paragraph", "exercise", "figure", "equation", "chapter" or "page"
    chapter: str  # file name of the chapter it is in
    text: str  # "Exercise 5.2", "Figure 5.1", a section's title, a chapter's title
    number: str = ""  # "5.2" for numbered things


@dataclass
class Chapter:
    path: pathlib.Path
    notebook: dict
    number: str
    title: str = ""
    exercises: list[str] = field(default_factory=list)


def load_chapters(book: pathlib.Path) -> list[Chapter]:
    chapters = []
    for path in sorted(book.glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        chapter = Chapter(path, notebook, chapter_number(path))
        first = "".join(notebook["cells"][0]["source"]) if notebook["cells"] else ""
        heading = next((HEADING.match(line) for line in first.splitlines() if HEADING.match(line)), None)
        chapter.title = plain(heading.group(2)) if heading else path.stem
        chapters.append(chapter)
    return chapters


def collect_targets(chapters: list[Chapter], book: pathlib.Path) -> dict[str, Target]:
    """Every label a {ref}, {numref} or {doc} can name: section targets, exercises, figures,
    chapters, and the Markdown pages of the web book (which the edition does not have)."""
    targets: dict[str, Target] = {}
    for page in sorted(book.glob("*.md")):
        heading = next((HEADING.match(line) for line in page.read_text().splitlines() if HEADING.match(line)), None)
        title = plain(heading.group(2)) if heading else page.stem
        targets[page.stem] = targets[f"book/{page.stem}"] = Target("page", page.name, title)
    for chapter in chapters:
        pending: list[str] = []
        figures = 0
        name = chapter.path.name
        targets[chapter.path.stem] = targets[f"book/{chapter.path.stem}"] = Target("chapter", name, chapter.title)
        for cell in chapter.notebook["cells"]:
            source = "".join(cell["source"])
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if cell["cell_type"] == "code" and figure.get("name"):
                figures += 1
                number = numbered(chapter.number, figures)
                targets[figure["name"]] = Target("figure", name, f"Figure {number}", number)
            if cell["cell_type"] != "markdown":
                continue
            lines = source.splitlines()
            for index, line in enumerate(lines):
                if match := TARGET.match(line):
                    pending.append(match.group(1))
                elif match := HEADING.match(line):
                    for label in pending:
                        targets[label] = Target("section", name, plain(match.group(2)))
                    pending = []
                elif line.strip():
                    for label in pending:  # a target before a paragraph: {ref} gives it a text
                        targets[label] = Target("paragraph", name, "")
                    pending = []
                directive = DIRECTIVE.match(line)
                if directive and directive.group("name") in ("exercise", "figure", "math"):
                    kind = directive.group("name")
                    label = next(
                        (
                            m.group(2).strip()
                            for m in map(OPTION.match, lines[index + 1 : index + 8])
                            if m and m.group(1) in ("label", "name")
                        ),
                        None,
                    )
                    if kind == "exercise":
                        chapter.exercises.append(label or f"exercise-{len(chapter.exercises) + 1}")
                        number = numbered(chapter.number, len(chapter.exercises))
                        if label:
                            targets[label] = Target("exercise", name, f"Exercise {number}", number)
                    elif kind == "figure":
                        figures += 1
                        number = numbered(chapter.number, figures)
                        if label:
                            targets[label] = Target("figure", name, f"Figure {number}", number)
                    elif label:
                        targets[label] = Target("equation", name, f"({label})")
    return targets
