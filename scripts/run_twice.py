"""Run chapters twice, top to bottom, in one kernel: re-running a chapter must not break it.

A reader often runs a notebook again without restarting the kernel. This executes every code
cell of each chapter, then every code cell again in the same kernel, and fails (exit 1) if any
cell raises either time. Run from anywhere:

    python scripts/run_twice.py [book/01_concepts.ipynb ...]   # default: every chapter
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_twice(path: pathlib.Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    notebook.cells = code + [nbformat.from_dict(dict(cell)) for cell in code]  # the same cells, twice
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:  # chapters must not depend on the working directory
        NotebookClient(
            notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": workdir}}
        ).execute()
    return time.perf_counter() - start


def main() -> None:
    paths = [pathlib.Path(p) for p in sys.argv[1:]] or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    failed = []
    for path in paths:
        try:
            seconds = run_twice(path)
            print(f"{path.name}: ran twice in one kernel, {seconds:.0f} s")
        except Exception as error:  # report every chapter, then fail
            failed.append(path.name)
            print(f"{path.name}: FAILED on the second run or earlier: {type(error).__name__}: {str(error)[-2000:]}")
    if failed:
        sys.exit(f"chapters that broke when run twice: {', '.join(failed)}")


if __name__ == "__main__":
    main()
