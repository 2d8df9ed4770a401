"""Write the repository named in _config.yml into every chapter's Colab badge and setup cell.

_config.yml names the repository once (``repository.url``) and the release the book is
published from (``repository.branch``, a tag ``v<version>`` of gan_lib). Each chapter opens with
a Colab badge for its own notebook at that tag, and a setup cell that, in Colab only, installs
gan_lib from the same tag, so that the notebook and the library always come from one release.

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
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+/blob/[^)\s]+/book/[^)\s]+\.ipynb")
INSTALL = re.compile(r"gan_lib @ git\+https?://[^\"'\s]+@[^\"'\s]+")


def repository() -> tuple[str, str]:
    """(url without a trailing slash, tag) from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/"), str(config["repository"]["branch"])


def expected_cells(path: pathlib.Path, url: str, tag: str) -> tuple[str, str]:
    """The badge link and the install requirement that ``path`` should hold."""
    github = url.removeprefix("https://github.com/")
    badge = f"https://colab.research.google.com/github/{github}/blob/{tag}/book/{path.name}"
    return badge, f"gan_lib @ git+{url}@{tag}"


def rewrite(path: pathlib.Path, url: str, tag: str) -> bool:
    """Rewrite ``path``'s badge (first cell) and setup cell (second); True if anything changed."""
    notebook = json.loads(path.read_text())
    badge, install = expected_cells(path, url, tag)
    changed = False
    for index, pattern, wanted in ((0, BADGE, badge), (1, INSTALL, install)):
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
