"""One chapter's MyST Markdown turned into Markdown that Colab renders: roles, directives, targets and images."""

from __future__ import annotations

import pathlib
import re

import set_repository

from .bibliography import Bibliography
from .labels import Chapter, Target, chapter_number, numbered
from .syntax import DIRECTIVE, HTML_IMAGE, IMAGE, NUMBERED, OPTION, ROLE, TARGET, TITLED

BADGE_IMAGE = set_repository.BADGE_IMAGE
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "margin": "Note",
    "sidebar": "Note",
    "topic": "Note",
    "dropdown": "Details",
}


class Converter:
    """Turns one chapter's MyST Markdown into Markdown that Colab renders."""

    def __init__(
        self,
        chapter: Chapter,
        targets: dict[str, Target],
        bibliography: Bibliography,
        edition_url: str,
        image_base: str,
    ):
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
        """ "exercise {ref}`label`" and "Figure {numref}`label`": the word once, then the number."""
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
                closes = (
                    i
                    for i in range(index + 1, len(lines))
                    if lines[i].strip().startswith(mark) and not lines[i].strip().strip(mark[0])
                )
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
                lines += ["", f'*Its solution is under "Solution to Exercise {number}" at the end of the chapter.*']
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
