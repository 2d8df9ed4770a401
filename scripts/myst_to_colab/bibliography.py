"""references.bib, read into works with the author-year labels the web book shows."""

from __future__ import annotations

import codecs
import pathlib
import re
from dataclasses import dataclass

import latexcodec  # noqa: F401  (registers the "ulatex" codec used for accented author names)
import pybtex.database


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

    def reference_list(self, keys: list[str]) -> str:
        """The works of ``keys`` as a Markdown list, by first author's surname, year and label."""
        works = sorted(
            (self.works[key] for key in keys), key=lambda w: (w.authors[0][1] if w.authors else "", w.year, w.label)
        )
        return "\n".join(f"- {work.entry()}" for work in works)
