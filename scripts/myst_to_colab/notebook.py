"""One chapter's Colab edition as a notebook: its Markdown converted, its solutions moved to a
folded "Solutions" section at the end, figure captions, the badge, the setup cell and a reference list."""

from __future__ import annotations

import copy
import re

import set_repository

from .bibliography import Bibliography
from .labels import Chapter, Target
from .markdown import Converter
from .syntax import SOLUTION_END, SOLUTION_START


def markdown_cell(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": metadata or {},
        "source": source.splitlines(keepends=True),
    }


def split_solutions(cells: list[dict], where: str) -> tuple[list[dict], list[tuple[str, list[dict]]]]:
    """The chapter's cells without its solutions, and each solution's label and cells, in order.

    A solution opens with a ```{solution-start} label``` fence and closes with
    ```{solution-end}```; both may sit inside markdown cells that hold other text, and the code
    cells between them belong to the solution.
    """
    main: list[dict] = []
    solutions: list[tuple[str, list[dict]]] = []
    current: list[dict] | None = None

    def emit(cell: dict, text: str, part: int) -> None:
        if not text.strip():
            return
        piece = copy.deepcopy(cell)
        piece["source"] = text.strip("\n").splitlines(keepends=True)
        if part:
            piece["id"] = f"{cell['id']}-{part}"[:64]
        (current if current is not None else main).append(piece)

    for cell in cells:
        if cell["cell_type"] != "markdown":
            (current if current is not None else main).append(copy.deepcopy(cell))
            continue
        lines = "".join(cell["source"]).splitlines()
        chunk: list[str] = []
        part = 0
        index = 0
        while index < len(lines):
            line = lines[index]
            start, end = SOLUTION_START.match(line), SOLUTION_END.match(line)
            if start or end:
                emit(cell, "\n".join(chunk), part)
                part += 1
                chunk = []
                fence = re.match(r"^\s*(`{3,})", line).group(1)
                index += 1
                while index < len(lines) and lines[index].strip() != fence:  # options, then the fence's end
                    index += 1
                index += 1
                if start:
                    if current is not None:
                        raise SystemExit(f"{where}: solution {start.group(1)} opens inside another solution")
                    current = []
                    solutions.append((start.group(1), current))
                else:
                    if current is None:
                        raise SystemExit(f"{where}: a solution-end without a solution-start")
                    current = None
                continue
            chunk.append(line)
            index += 1
        emit(cell, "\n".join(chunk), part)
    if current is not None:
        raise SystemExit(f"{where}: a solution without its solution-end")
    return main, solutions


def demote_headings(text: str, below: int) -> str:
    """Headings inside a solution become at least level ``below + 1``, so its section holds them."""
    return re.sub(r"^(#{1,6})(\s)", lambda m: "#" * max(len(m.group(1)), below + 1) + m.group(2), text, flags=re.M)


def figure_caption(cell: dict, converter: Converter) -> dict | None:
    """The numbered caption that the web book puts under a code cell's figure (its
    ``mystnb.figure`` metadata), as a markdown cell: Colab does not read that metadata."""
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
    if cell["cell_type"] != "code" or not figure.get("caption"):
        return None
    target = converter.targets.get(figure.get("name", ""))
    number = f"**{target.text}.** " if target else ""
    return markdown_cell(number + converter.markdown(figure["caption"]), f"{cell['id']}-caption"[:64])


def convert(chapter: Chapter, targets: dict[str, Target], bibliography: Bibliography, url: str, tag: str) -> dict:
    """The Colab edition of one chapter, as a notebook dict."""
    github = url.removeprefix("https://github.com/")
    edition = set_repository.edition_folder(url)
    converter = Converter(
        chapter, targets, bibliography, edition, f"https://raw.githubusercontent.com/{github}/{tag}/book"
    )
    notebook = copy.deepcopy(chapter.notebook)
    main, solutions = split_solutions(notebook["cells"], chapter.path.name)
    converter.solved = {label for label, _ in solutions}

    def markdown_of(cell: dict) -> str:
        text = converter.markdown("".join(cell["source"]))
        return text

    cells: list[dict] = []
    for index, cell in enumerate(main):
        if cell["cell_type"] == "markdown":
            text = markdown_of(cell)
            if index == 0:
                badge = set_repository.badge_markdown(url, chapter.path.name, image=set_repository.BADGE_IMAGE)
                text = set_repository.BADGE_LINE.sub(badge, text)
            cell["source"] = text.splitlines(keepends=True)
        elif index == 1 and "google.colab" in "".join(cell["source"]):
            cell["source"] = set_repository.edition_setup_source(url, tag).splitlines(keepends=True)
        cells.append(cell)
        caption = figure_caption(cell, converter)
        if caption:
            cells.append(caption)

    collapsed = []
    if solutions:
        note = "Each solution starts folded: open it with the arrow beside its heading."
        cells.append(markdown_cell(f"## Solutions\n\n{note}", "colab-solutions"))
        for label, solution_cells in solutions:
            number = converter.exercise_numbers.get(label)
            if number is None:
                raise SystemExit(f"{chapter.path.name}: solution {label} has no exercise")
            heading_id = re.sub(r"[^A-Za-z0-9_-]", "-", f"solution-{label}")[:64]
            cells.append(markdown_cell(f"### Solution to Exercise {number}", heading_id, {"id": heading_id}))
            collapsed.append(heading_id)
            for cell in solution_cells:
                if cell["cell_type"] == "markdown":
                    cell["source"] = demote_headings(markdown_of(cell), 3).splitlines(keepends=True)
                cells.append(cell)
                caption = figure_caption(cell, converter)
                if caption:
                    cells.append(caption)
    if converter.cited:
        listing = bibliography.reference_list(converter.cited)
        cells.append(markdown_cell(f"## References\n\n{listing}", "colab-references"))
    cells = [cell for cell in cells if cell["cell_type"] != "markdown" or "".join(cell["source"]).strip()]
    notebook["cells"] = cells
    colab = notebook["metadata"].setdefault("colab", {})
    colab.update({"name": chapter.path.name, "provenance": [], "toc_visible": True, "collapsed_sections": collapsed})
    return notebook
