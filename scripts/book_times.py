"""Per-chapter execution times of the last book build, and a budget check.

Reads the execution table that the build renders into _build/html/book/execution_times.html,
prints one line per chapter and the total, and exits 1 when the total exceeds --budget seconds.

    python scripts/book_times.py [--budget 600] [--html _build/html/book/execution_times.html]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from html.parser import HTMLParser

ROOT = pathlib.Path(__file__).resolve().parents[1]


class TableReader(HTMLParser):
    """Collects the text of every table cell, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def chapter_times(html: pathlib.Path) -> dict[str, float]:
    reader = TableReader()
    reader.feed(html.read_text())
    header, *body = [row for row in reader.rows if row]
    name_col = header.index("Document")
    time_col = next(i for i, title in enumerate(header) if title.startswith("Run Time"))
    status_col = header.index("Status")
    times = {}
    for row in body:
        if row[status_col] != "✅":
            raise SystemExit(f"{row[name_col]} did not execute cleanly: status {row[status_col]!r}")
        times[row[name_col]] = float(row[time_col])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for the whole book")
    parser.add_argument("--html", type=pathlib.Path, default=ROOT / "_build/html/book/execution_times.html")
    args = parser.parse_args()
    if not args.html.is_file():
        raise SystemExit(f"{args.html} not found: build the book first (make book)")
    times = chapter_times(args.html)
    for name, seconds in times.items():
        print(f"{name:<40} {seconds:7.1f} s")
    total = sum(times.values())
    print(f"{'total':<40} {total:7.1f} s (budget {args.budget:.0f} s)")
    if total > args.budget:
        print(f"the book took {total:.0f} s to execute, over its {args.budget:.0f} s budget", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
