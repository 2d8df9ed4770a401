"""Write the Colab edition: copies of the chapters with the MyST markup turned into plain Markdown.

Colab renders CommonMark and math, not MyST, so in the chapters as they are it shows every
citation role, exercise block and solution fence as literal text. This script writes a copy of
every ``book/*.ipynb`` that reads right in Colab:

- citations become "(Author et al., year)" ({cite}, {cite:p}) or "Author et al. (year)"
  ({cite:t}), and a "References" cell at the end lists the works the chapter cites;
- exercises become "**Exercise 5.2**" paragraphs, numbered per chapter (the chapter number is the
  file name's two-digit prefix; the unnumbered back matter, like the web book, numbers 1, 2, ...);
- solutions move to a "Solutions" section at the end of the chapter, one "Solution to
  Exercise 5.2" heading each, and every one of those sections starts collapsed: Colab folds the
  cells under a heading whose cell ``metadata.id`` is listed in the notebook's
  ``metadata.colab.collapsed_sections``;
- {ref}/{numref} become plain text ("Exercise 1.2", 'the section "..." of chapter 4', with a
  link to that chapter's edition), {term}`x` becomes x, ``(label)=`` targets disappear, and
  admonitions become blockquotes with a bold title;
- the badge is an absolute image that opens the edition itself; other relative images point to
  the release on raw.githubusercontent.com;
- the setup cell clones the repository at the release and installs gan_lib from the clone
  (``pip install -e``), so that ``gl.result_files.RESULTS`` finds the stored results in the
  clone's book/results; outside Colab it does nothing, so the copies run anywhere.

Code cells are copied as they are (cells tagged ``remove-input`` keep their code: Colab shows
it), and so are cell ids and metadata. ``make book`` writes the edition to _build/colab/book/,
and the book workflow publishes _build/colab to the ``colab`` branch, where the badges point
(scripts/set_repository.py names the branch and writes the badges).

    python scripts/colab_edition.py                 # into _build/colab/book/
    python scripts/colab_edition.py --out DIR       # into DIR
    python scripts/colab_edition.py --book DIR      # the chapters of another checkout
"""

from __future__ import annotations

import argparse
import codecs
import copy
import json
import pathlib
import re
import sys
from dataclasses import dataclass, field

import latexcodec  # noqa: F401  (registers the "ulatex" codec used for accented author names)
import pybtex.database

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import set_repository  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "colab" / "book"
BADGE_IMAGE = set_repository.BADGE_IMAGE

ROLE = re.compile(r"\{([a-z][a-z0-9:_-]*)\}`([^`]+)`")
NUMBERED = re.compile(r"\b((?:[Ee]xercise|[Ff]igure|[Ff]ig\.)s?)\s+\{(?:ref|numref)\}`([^`<>]+)`")
TARGET = re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A directive opens with three or more backticks or colons and a {name}, then arguments.
DIRECTIVE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z][a-z0-9:_-]*)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^\s*:([a-z][a-z0-9_-]*):\s*(.*)$")
SOLUTION_START = re.compile(r"^\s*`{3,}\{solution-start\}\s*(\S+)")
SOLUTION_END = re.compile(r"^\s*`{3,}\{solution-end\}")
TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.DOTALL)
IMAGE = re.compile(r"(!\[[^\]]*\]\()(?!https?:|data:)([^)\s]+)(\))")
HTML_IMAGE = re.compile(r"(<img\b[^>]*\bsrc=[\"'])(?!https?:|data:)([^\"']+)([\"'])")
ADMONITIONS = {
    "note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
    "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
    "seealso": "See also", "margin": "Note", "sidebar": "Note", "topic": "Note", "dropdown": "Details",
}


def chapter_number(path: pathlib.Path) -> str:
    """"5" for 05_stability_fixes.ipynb; "" for the back matter (the appendix), which the web book
    does not number either: its exercises and figures are numbered 1, 2, ... without a prefix."""
    match = re.match(r"(\d{2})_", path.name)
    return str(int(match.group(1))) if match else ""


def numbered(chapter: str, index: int) -> str:
    """"5.2" for the second exercise (or figure) of chapter 5; "2" in the back matter."""
    return f"{chapter}.{index}" if chapter else str(index)


def plain(text: str) -> str:
    """Markdown emphasis and code marks taken out of a heading, for use inside a sentence."""
    return re.sub(r"[*_`]", "", text).strip()


# --- references.bib ------------------------------------------------------------------------------


def latex_to_text(value: str) -> str:
    text = codecs.decode(value, "ulatex")
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


@dataclass
class Work:
    key: str
    authors: list[tuple[str, str]]  # (first names, last names) per author
    year: str
    title: str
    where: str
    label: str = ""  # "Goodfellow et al., 2014", set by Bibliography

    def surnames(self) -> str:
        lasts = [last for _, last in self.authors]
        if len(lasts) == 1:
            return lasts[0]
        if len(lasts) == 2:
            return f"{lasts[0]} and {lasts[1]}"
        return f"{lasts[0]} et al."

    def entry(self) -> str:
        names = [f"{first} {last}".strip() for first, last in self.authors]
        people = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
        text = f"{people} ({self.year}). {self.title}. {self.where}".rstrip()
        return text if text.endswith(".") else text + "."


class Bibliography:
    """The works of a .bib file, with author-year labels as sphinxcontrib-bibtex's author_year style writes them."""

    def __init__(self, path: pathlib.Path):
        data = pybtex.database.parse_file(str(path), bib_format="bibtex")
        self.works: dict[str, Work] = {}
        for key, entry in data.entries.items():
            authors = []
            for person in entry.persons.get("author", []):
                first = " ".join(person.first_names + person.middle_names)
                last = " ".join(person.prelast_names + person.last_names)
                authors.append((latex_to_text(first), latex_to_text(last)))
            fields = entry.fields
            venue = fields.get("booktitle") or fields.get("journal") or ""
            where = f"*{latex_to_text(venue)}*" if venue else ""
            if fields.get("volume"):
                where += f", {fields['volume']}" + (f"({fields['number']})" if fields.get("number") else "")
            if fields.get("pages"):
                where += f", {fields['pages'].replace('--', '–')}"
            self.works[key] = Work(key, authors, fields.get("year", "n.d."), latex_to_text(fields["title"]), where)
        # Same first author(s) and year: 2019a, 2019b, in key order.
        by_label: dict[str, list[Work]] = {}
        for work in sorted(self.works.values(), key=lambda w: w.key):
            by_label.setdefault(f"{work.surnames()}, {work.year}", []).append(work)
        for label, works in by_label.items():
            for index, work in enumerate(works):
                work.label = label + ("abcdefghijklmnopqrstuvwxyz"[index] if len(works) > 1 else "")

    def get(self, key: str, where: str) -> Work:
        if key not in self.works:
            raise SystemExit(f"{where}: citation key {key!r} is not in references.bib")
        return self.works[key]


# --- the labels of the whole book ----------------------------------------------------------------


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
                        (m.group(2).strip() for m in map(OPTION.match, lines[index + 1 : index + 8])
                         if m and m.group(1) in ("label", "name")),
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


# --- Markdown ------------------------------------------------------------------------------------


class Converter:
    """Turns one chapter's MyST Markdown into Markdown that Colab renders."""

    def __init__(self, chapter: Chapter, targets: dict[str, Target], bibliography: Bibliography,
                 edition_url: str, image_base: str):
        self.chapter = chapter
        self.targets = targets
        self.bibliography = bibliography
        self.edition_url = edition_url  # the edition's folder on GitHub, for links between chapters
        self.image_base = image_base  # where relative images live (raw.githubusercontent.com)
        self.cited: list[str] = []
        self.exercise_count = 0
        self.exercise_numbers: dict[str, str] = {}
        self.solved: set[str] = set()  # labels of the exercises whose solution the chapter has

    def where(self) -> str:
        return self.chapter.path.name

    # roles
    def cite(self, role: str, content: str) -> str:
        works = [self.bibliography.get(key.strip(), self.where()) for key in content.split(",") if key.strip()]
        for work in works:
            if work.key not in self.cited:
                self.cited.append(work.key)
        if role in ("cite:t", "cite:ts"):
            return "; ".join(f"{w.label.rsplit(', ', 1)[0]} ({w.label.rsplit(', ', 1)[1]})" for w in works)
        if role == "cite:year":
            return "; ".join(w.label.rsplit(", ", 1)[1] for w in works)
        if role in ("cite:author", "cite:authors"):
            return "; ".join(w.label.rsplit(", ", 1)[0] for w in works)
        return "(" + "; ".join(w.label for w in works) + ")"

    def chapter_link(self, target: Target) -> str:
        number = chapter_number(pathlib.Path(target.chapter))
        title = self.targets[pathlib.Path(target.chapter).stem].text
        words = f"chapter {number}" if number else f"“{title}”"
        return f"[{words}]({self.edition_url}/{target.chapter})"

    def reference(self, role: str, content: str) -> str:
        titled = TITLED.match(content)
        text, label = (titled.group("text"), titled.group("target").strip()) if titled else (None, content.strip())
        target = self.targets.get(label) or self.targets.get(label.removeprefix("/").removesuffix(".ipynb"))
        elsewhere = target is not None and target.chapter != self.chapter.path.name
        if target is None or (target.kind == "paragraph" and text is None):
            if text is None:
                raise SystemExit(f"{self.where()}: {{{role}}}`{content}` names an unknown label")
            return text
        if role == "numref" and text is not None:
            return text.replace("%s", target.number).replace("{number}", target.number).replace("{name}", target.text)
        if target.kind == "page":
            return f"“{text or target.text}” (a page of the book's web edition)"
        if target.kind == "chapter":
            return f"[{text or target.text}]({self.edition_url}/{target.chapter})"
        if text is not None:
            return f"{text} in {self.chapter_link(target)}" if elsewhere else text
        if target.kind == "section":
            return f"the section “{target.text}”" + (f" of {self.chapter_link(target)}" if elsewhere else "")
        return target.text + (f" of {self.chapter_link(target)}" if elsewhere else "")

    def role(self, match: re.Match) -> str:
        role, content = match.group(1), match.group(2)
        if role == "cite" or role.startswith("cite:"):
            return self.cite(role, content)
        if role in ("ref", "numref", "doc", "eq"):
            return self.reference(role, content)
        if role == "math":
            return f"${content}$"
        if role in ("sub", "sup"):
            return f"<{role}>{content}</{role}>"
        titled = TITLED.match(content)  # {term}, {abbr}, {download}, ...: the text the reader sees
        return titled.group("text") if titled and role != "abbr" else re.sub(r"\s*\(.*\)$", "", content)

    def numbered(self, match: re.Match) -> str:
        """"exercise {ref}`label`" and "Figure {numref}`label`": the word once, then the number."""
        word, label = match.group(1), match.group(2).strip()
        target = self.targets.get(label)
        if target is None or target.kind not in ("exercise", "figure") or not target.number:
            return match.group(0)
        elsewhere = target.chapter != self.chapter.path.name
        if elsewhere:  # the number links to the chapter's edition
            return f"[{word} {target.number}]({self.edition_url}/{target.chapter})"
        return f"{word} {target.number}"

    def inline(self, text: str) -> str:
        text = NUMBERED.sub(self.numbered, text)
        text = ROLE.sub(self.role, text)
        text = IMAGE.sub(lambda m: f"{m.group(1)}{self.image(m.group(2))}{m.group(3)}", text)
        return HTML_IMAGE.sub(lambda m: f"{m.group(1)}{self.image(m.group(2))}{m.group(3)}", text)

    def image(self, path: str) -> str:
        if path.endswith("colab-badge.svg"):
            return BADGE_IMAGE
        return f"{self.image_base}/{path.removeprefix('./')}"

    # blocks
    def markdown(self, text: str) -> str:
        lines = text.splitlines()
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            if TARGET.match(line):
                index += 1
                if index < len(lines) and not lines[index].strip() and (not out or not out[-1].strip()):
                    index += 1  # no double blank line where the target was
                continue
            directive = DIRECTIVE.match(line)
            if directive:
                end = self.closing(lines, index, directive.group("fence"))
                out.extend(self.directive(directive, lines[index + 1 : end]))
                index = end + 1
                continue
            fence = re.match(r"^\s*(`{3,}|~{3,})", line)
            if fence:  # a plain code block: copied as it is
                mark = fence.group(1)
                closes = (i for i in range(index + 1, len(lines))
                          if lines[i].strip().startswith(mark) and not lines[i].strip().strip(mark[0]))
                end = next(closes, len(lines) - 1)
                out.extend(lines[index : end + 1])
                index = end + 1
                continue
            out.append(self.inline(line))
            index += 1
        return "\n".join(out).strip("\n")

    @staticmethod
    def closing(lines: list[str], start: int, fence: str) -> int:
        """The index of the line that closes the directive opened at ``start`` (nesting counted)."""
        depth = 0
        for index in range(start + 1, len(lines)):
            stripped = lines[index].strip()
            if DIRECTIVE.match(lines[index]) and DIRECTIVE.match(lines[index]).group("fence") == fence:
                depth += 1
            elif stripped == fence:
                if depth == 0:
                    return index
                depth -= 1
        raise SystemExit(f"unclosed {fence} directive at line {start + 1} of a cell")

    def directive(self, match: re.Match, body: list[str]) -> list[str]:
        name, argument = match.group("name"), match.group("argument").strip()
        options: dict[str, str] = {}
        while body and OPTION.match(body[0]):
            key, value = OPTION.match(body[0]).groups()
            options[key] = value.strip()
            body = body[1:]
        if body and body[0].strip() == "---":  # YAML-style options block
            end = body.index("---", 1) if "---" in body[1:] else 0
            body = body[end + 1 :]
        content = self.markdown("\n".join(body))
        if name == "exercise":
            self.exercise_count += 1
            number = numbered(self.chapter.number, self.exercise_count)
            label = options.get("label", f"exercise-{self.exercise_count}")
            self.exercise_numbers[label] = number
            expected = self.targets.get(label)
            if expected is not None and expected.number != number:
                raise SystemExit(f"{self.where()}: exercise {label} is {number} here, {expected.number} in the index")
            title = f"**Exercise {number}**" + (f" ({self.inline(argument)})" if argument else "")
            lines = [title, "", content]
            if label in self.solved:
                lines += ["", f"*Its solution is under \"Solution to Exercise {number}\" at the end of the chapter.*"]
            return lines
        if name in ("math",):
            return ["$$", "\n".join(body).strip(), "$$"]
        if name in ("figure", "image"):
            alt = options.get("alt", "")
            picture = f"![{alt}]({self.image(argument) if not argument.startswith('http') else argument})"
            target = self.targets.get(options.get("name", ""))
            caption = f"*{target.text}: {content}*" if target and content else (f"*{content}*" if content else "")
            return [picture, "", caption] if caption else [picture]
        if name in ("bibliography", "tableofcontents", "glossary") and not content:
            return []
        if name == "code-block" or name == "code":
            return [f"```{argument}", "\n".join(body), "```"]
        title = self.inline(argument) if argument else ADMONITIONS.get(name, name.replace("-", " ").capitalize())
        if name == "admonition" and not argument:
            title = "Note"
        quoted = [f"> **{title}**", ">"] + [f"> {line}" if line else ">" for line in content.splitlines()]
        return quoted


# --- notebooks -----------------------------------------------------------------------------------


def markdown_cell(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata or {},
            "source": source.splitlines(keepends=True)}


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
    converter = Converter(chapter, targets, bibliography, edition,
                          f"https://raw.githubusercontent.com/{github}/{tag}/book")
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
                badge = set_repository.badge_markdown(url, chapter.path.name, image=BADGE_IMAGE)
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
        works = sorted((bibliography.works[key] for key in converter.cited),
                       key=lambda w: (w.authors[0][1] if w.authors else "", w.year, w.label))
        listing = "\n".join(f"- {work.entry()}" for work in works)
        cells.append(markdown_cell(f"## References\n\n{listing}", "colab-references"))
    cells = [cell for cell in cells if cell["cell_type"] != "markdown" or "".join(cell["source"]).strip()]
    notebook["cells"] = cells
    colab = notebook["metadata"].setdefault("colab", {})
    colab.update({"name": chapter.path.name, "provenance": [], "toc_visible": True, "collapsed_sections": collapsed})
    return notebook


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


def write_edition(book: pathlib.Path, out: pathlib.Path, bib: pathlib.Path | None = None,
                  url: str | None = None, tag: str | None = None) -> list[pathlib.Path]:
    """Write the edition of every chapter in ``book`` into ``out``; return the paths written."""
    if url is None or tag is None:
        url, tag = set_repository.repository()
    bibliography = Bibliography(bib or book / "references.bib")
    chapters = load_chapters(book)
    targets = collect_targets(chapters, book)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters:
        notebook = convert(chapter, targets, bibliography, url, tag)
        path = out / chapter.path.name
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=pathlib.Path, default=ROOT / "book", help="the chapters (default book/)")
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help=f"where to write (default {DEFAULT_OUT})")
    args = parser.parse_args()
    written = write_edition(args.book, args.out)
    print(f"wrote the Colab edition of {len(written)} chapters to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
