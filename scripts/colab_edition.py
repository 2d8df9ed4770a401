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
  (``pip install -e``), so that ``gl.result_files.RESULTS_DIR`` finds the stored results in the
  clone's book/results; outside Colab it does nothing, so the copies run anywhere.

Code cells are copied as they are (cells tagged ``remove-input`` keep their code: Colab shows
it), and so are cell ids and metadata. ``make book`` writes the edition to _build/colab/book/,
and the book workflow publishes _build/colab to the ``colab`` branch, where the badges point
(scripts/set_repository.py names the branch and writes the badges).

The work is done by the myst_to_colab package next to this script (its docstring maps the
modules); this file reads the book, writes every chapter's edition and holds the command line.

    python scripts/colab_edition.py                 # into _build/colab/book/
    python scripts/colab_edition.py --out DIR       # into DIR
    python scripts/colab_edition.py --book DIR      # the chapters of another checkout
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import set_repository  # noqa: E402
from myst_to_colab.bibliography import Bibliography  # noqa: E402
from myst_to_colab.labels import collect_targets, load_chapters  # noqa: E402
from myst_to_colab.notebook import convert  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "colab" / "book"


def write_edition(
    book: pathlib.Path,
    out: pathlib.Path,
    bib: pathlib.Path | None = None,
    url: str | None = None,
    tag: str | None = None,
) -> list[pathlib.Path]:
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
