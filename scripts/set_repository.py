"""Write the repository named in _config.yml into every chapter's Colab badge and setup cell.

_config.yml names the repository once (``repository.url``) and the release the book is
published from (``repository.branch``, a tag ``v<version>`` of gan_lib). Each chapter opens with
a Colab badge and a setup cell that, in Colab only, installs gan_lib from that tag, so that the
notebook and the library always come from one release.

The badge opens the chapter's Colab edition (scripts/colab_edition.py): a copy without MyST
markup, which the book workflow publishes from each release to the ``colab`` branch
(EDITION_BRANCH). In the edition the badge's image is an absolute URL (BADGE_IMAGE), since Colab
cannot load the book's own files; the chapters keep the book's copy, which the web book serves.
The edition's setup cell (edition_setup_source) clones the repository at the tag instead, so
that the stored results in book/results come with gan_lib.

    python scripts/set_repository.py          # rewrite the badges and setup cells
    python scripts/set_repository.py --check  # exit 1, listing the chapters that disagree

To point the book at a fork, change ``repository.url`` in _config.yml and run the first command.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
EDITION_BRANCH = "colab"  # .github/workflows/book.yml publishes the Colab edition to this branch
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
# The whole badge: [![Open In Colab](image)](https://colab.research.google.com/github/.../x.ipynb)
BADGE_LINE = re.compile(
    r"\[!\[Open In Colab\]\([^)\s]+\)\]\(https://colab\.research\.google\.com/github/[^)\s]+\.ipynb\)"
)
INSTALL = re.compile(r"gan_lib @ git\+https?://[^\"'\s]+@[^\"'\s]+")


def repository() -> tuple[str, str]:
    """(url without a trailing slash, tag) from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/"), str(config["repository"]["branch"])


def edition_folder(url: str) -> str:
    """The Colab URL of the edition's book/ folder on EDITION_BRANCH (no trailing slash)."""
    github = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{github}/blob/{EDITION_BRANCH}/book"


def badge_markdown(url: str, name: str, image: str = "images/colab-badge.svg") -> str:
    """The badge of chapter ``name``, which opens the chapter's Colab edition. The chapters show the
    book's own copy of the image (the web book works offline); the edition shows BADGE_IMAGE."""
    return f"[![Open In Colab]({image})]({edition_folder(url)}/{name})"


def edition_setup_source(url: str, tag: str) -> str:
    """The Colab edition's setup cell: in Colab, clone the repository at ``tag`` and install gan_lib
    from the clone, so that gl.result_files.RESULTS_DIR (a path next to the package) finds book/results."""
    clone = "/content/" + url.rsplit("/", 1)[-1]
    return f"""\
# Setup: in Colab, clone the book's repository at its release and install gan_lib from the
# clone, whose book/results holds the stored runs that chapters read; elsewhere this cell
# does nothing.
import pathlib
import subprocess
import sys

if "google.colab" in sys.modules:
    CLONE = pathlib.Path("{clone}")
    if not CLONE.exists():
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", "--branch", "{tag}",
             "{url}", str(CLONE)],
            check=True,
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "-e", str(CLONE)], check=True
    )
    # pip's editable install takes effect when Python next starts; this kernel needs it now.
    sys.path.insert(0, str(CLONE))"""


def expected_cells(path: pathlib.Path, url: str, tag: str) -> tuple[str, str]:
    """The badge and the install requirement that ``path`` should hold."""
    return badge_markdown(url, path.name), f"gan_lib @ git+{url}@{tag}"


def rewrite(path: pathlib.Path, url: str, tag: str) -> bool:
    """Rewrite ``path``'s badge (first cell) and setup cell (second); True if anything changed."""
    notebook = json.loads(path.read_text())
    badge, install = expected_cells(path, url, tag)
    changed = False
    for index, pattern, wanted in ((0, BADGE_LINE, badge), (1, INSTALL, install)):
        cell = notebook["cells"][index]
        source = "".join(cell["source"])
        if not pattern.search(source):
            what = "Colab badge" if index == 0 else "setup install line"
            raise SystemExit(f"{path.name}: cell {index} has no {what}")
        new = pattern.sub(wanted, source)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a chapter disagrees")
    args = parser.parse_args()
    url, tag = repository()
    disagreeing = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        if args.check:
            notebook = json.loads(path.read_text())
            badge, install = expected_cells(path, url, tag)
            if badge not in "".join(notebook["cells"][0]["source"]) or install not in "".join(
                notebook["cells"][1]["source"]
            ):
                disagreeing.append(path.name)
        elif rewrite(path, url, tag):
            print(f"rewrote {path.name}")
    if disagreeing:
        print(f"not at {url}@{tag}: {', '.join(disagreeing)} (run python scripts/set_repository.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
