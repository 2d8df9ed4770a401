"""Stored results as files: CSVs that start with provenance lines, written and read in one way.

Every file in ``book/results/`` that the sweep or a script in ``scripts/`` writes has the same
shape: one '# key: value' line per item of its provenance (``runtime.provenance``: command,
commit, date, machine, software, and whatever the writer adds), then a plain CSV with a header
row.  ``csv_file`` and ``write_csv`` write that shape; ``read_csv`` reads it back as strings,
and ``load_results`` reads a sweep's file (``COLUMNS``) with its numbers as numbers.
"""

from __future__ import annotations

import contextlib
import csv
import os
import pathlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gan_lib import runtime

# The columns of a sweep's file: one row per evaluation of a run, or one row with the error of a
# failed run; "recipe" is the recipe's name.
COLUMNS = ("recipe", "dataset", "seed", "step", "modes", "high_quality", "reverse_kl", "seconds", "error")
# The stored results of the checkout gan_lib was imported from, and chapter 5's sweep among them.
RESULTS_DIR = pathlib.Path(__file__).resolve().parents[1] / "book" / "results"
ABLATION_RESULTS = RESULTS_DIR / "ablation.csv"

Row = Mapping[str, Any] | Sequence[Any]


def _provenance_lines(origin: Mapping[str, Any]) -> list[str]:
    """'# key: value' lines; a key or value that would not read back as written is refused."""
    if not isinstance(origin, Mapping):
        raise ValueError(f"origin must be a mapping of provenance items, got {type(origin).__name__}")
    lines = []
    for key, value in origin.items():
        key, value = str(key), str(value)
        if ":" in key or key != key.strip() or not key or "\n" in value or "\r" in value:
            raise ValueError(f"provenance item {key!r}: {value!r} would not read back as written")
        lines.append(f"# {key}: {value}\n")
    return lines


def _cells(row: Row, columns: Sequence[str], path: pathlib.Path) -> list[Any]:
    """One row's cells in the order of ``columns`` (a dict may leave columns out: they stay empty)."""
    if isinstance(row, Mapping):
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{path}: a row has columns {sorted(unknown)} that the file does not have")
        return [row.get(column, "") for column in columns]
    if isinstance(row, str | bytes) or not isinstance(row, Sequence) or len(row) != len(columns):
        raise ValueError(f"{path}: each row must be a dict or have {len(columns)} cells, got {row!r}")
    return list(row)


@contextlib.contextmanager
def csv_file(
    path: str | os.PathLike, columns: Sequence[str], origin: Mapping[str, Any]
) -> Iterator[Callable[[Iterable[Row]], None]]:
    """Open ``path`` for writing: the provenance lines of ``origin``, then the header ``columns``.

    Yields ``write(rows)``, which appends rows (dicts keyed by column, or sequences of one cell
    per column; None is written as an empty cell) and flushes, so that a run killed part-way
    leaves a readable file of the rows written so far.  Cells are written as Python's ``csv``
    module writes them (floats as ``repr``, rows ending in '\\r\\n').
    """
    path = pathlib.Path(path)
    columns = list(columns)
    if not columns or any(not isinstance(column, str) or not column for column in columns):
        raise ValueError(f"columns must be non-empty strings, got {columns!r}")
    lines = _provenance_lines(origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        handle.writelines(lines)
        writer = csv.writer(handle)
        writer.writerow(columns)
        handle.flush()

        def write(rows: Iterable[Row]) -> None:
            writer.writerows(_cells(row, columns, path) for row in rows)
            handle.flush()

        yield write


def write_csv(
    path: str | os.PathLike,
    rows: Iterable[Row],
    columns: Sequence[str],
    *,
    origin: Mapping[str, Any] | None = None,
    command: str | None = None,
) -> pathlib.Path:
    """Write ``rows`` to the CSV ``path`` after provenance lines, and return the path.

    The provenance is ``origin`` (a dict such as ``runtime.provenance`` returns, taken before the
    runs began, with any items the writer adds) or, given ``command`` instead,
    ``runtime.provenance(command)`` taken now.  See ``csv_file`` for the rows.
    """
    if (origin is None) == (command is None):
        raise ValueError("give exactly one of origin (a provenance dict) and command")
    origin = runtime.provenance(command) if origin is None else origin
    with csv_file(path, columns, origin) as write:
        write(rows)
    return pathlib.Path(path)


def read_csv(path: str | os.PathLike) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(provenance, rows) of a CSV that ``write_csv`` or the sweep wrote; every cell a string.

    Lines starting with '#' are provenance ('# key: value'; a later key replaces an earlier one),
    blank lines are skipped, and the rest is a CSV whose first row names the columns.
    """
    origin: dict[str, str] = {}
    body = []
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            origin[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    return origin, list(csv.DictReader(body))


def load_results(path: str | os.PathLike | None = None) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Read a sweep's CSV: (provenance, rows).

    ``path`` defaults to chapter 5's sweep, ``book/results/ablation.csv`` of the checkout gan_lib
    was imported from.  Numbers come back as int/float; a failed run's row keeps its ``error`` and has
    None for the scores.  FileNotFoundError (naming the file and the command that makes it)
    if there is no such file.
    """
    path = ABLATION_RESULTS if path is None else pathlib.Path(path)
    if not path.is_file():
        command = "python -m gan_lib --ablation" if path == ABLATION_RESULTS else f"python -m gan_lib --out {path}"
        raise FileNotFoundError(f"no sweep results at {path}; run `{command}` from the repository root to make them")
    origin, raw_rows = read_csv(path)
    rows = []
    for raw in raw_rows:
        if set(raw) != set(COLUMNS):
            raise ValueError(f"{path} has columns {sorted(raw)}, expected {list(COLUMNS)}")
        row: dict[str, Any] = {"recipe": raw["recipe"], "dataset": raw["dataset"], "seed": int(raw["seed"])}
        for name, kind in (("step", int), ("modes", int), ("high_quality", float), ("reverse_kl", float)):
            row[name] = kind(raw[name]) if raw[name] else None
        row["seconds"] = float(raw["seconds"]) if raw["seconds"] else None
        row["error"] = raw["error"] or None
        rows.append(row)
    return origin, rows
