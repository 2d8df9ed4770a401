"""Stored results as files: the one writer of CSVs with provenance lines, its reader, and the stored files."""

import csv
import pathlib

import pytest

from gan_lib import result_files

STORED = sorted((pathlib.Path(__file__).resolve().parents[1] / "book" / "results").glob("*.csv"))


def snapshot(path: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of ``path`` up to its last complete line (the running sweep may be appending to it)."""
    text = path.read_bytes()
    copy = tmp_path / path.name
    copy.write_bytes(text[: text.rfind(b"\n") + 1])
    return copy


def plain_parse(text: str) -> tuple[dict[str, str], list[str], list[list[str]]]:
    """The format read without gan_lib: '# key: value' lines, then a CSV whose first row is the header."""
    origin, body = {}, []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            origin[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    header, *rows = list(csv.reader(body))
    return origin, header, rows


def normalized(text: str) -> list[str]:
    """The lines of a file, without line endings and without trailing spaces on provenance lines."""
    return [line.rstrip() if line.startswith("#") else line for line in text.splitlines()]


def test_there_are_stored_files_to_check():
    names = {path.name for path in STORED}
    assert {"ablation.csv", "recipe_costs.csv", "stable_timing.csv"} <= names, names


@pytest.mark.parametrize("path", STORED, ids=[path.name for path in STORED])
def test_every_stored_file_reads_back_and_the_writer_reproduces_it(path, tmp_path):
    copy = snapshot(path, tmp_path)
    text = copy.read_text()
    origin, rows = result_files.read_csv(copy)
    expected_origin, header, expected_rows = plain_parse(text)
    assert {"command", "commit", "date", "machine", "software"} <= set(origin), origin
    assert origin == expected_origin
    assert rows and [list(row) for row in rows] == [header] * len(rows)
    assert [list(row.values()) for row in rows] == expected_rows
    # Written again through the one writer, the file has the same lines (the sweep's final
    # rewrite of its wall time leaves '\n' line ends, the csv module writes '\r\n').
    again = result_files.write_csv(tmp_path / "again.csv", rows, header, origin=origin)
    assert normalized(again.read_text()) == normalized(text)
    assert result_files.read_csv(again) == (origin, rows)
    if header == list(result_files.COLUMNS):
        # A sweep's file: its typed rows, as a resumed sweep writes them back, give the same lines too.
        typed_origin, typed = result_files.load_results(copy)
        assert typed_origin == origin and len(typed) == len(rows)
        kept = result_files.write_csv(tmp_path / "kept.csv", typed, header, origin=origin)
        assert normalized(kept.read_text()) == normalized(text)


def test_write_csv_writes_provenance_lines_then_the_rows(tmp_path):
    path = tmp_path / "deeper" / "x.csv"
    rows = [{"a": 1, "b": None}, [2, 0.5], {"b": "text, with a comma"}]
    assert result_files.write_csv(path, rows, ["a", "b"], origin={"command": "x y", "commit": "abc"}) == path
    assert path.read_bytes() == b'# command: x y\n# commit: abc\na,b\r\n1,\r\n2,0.5\r\n,"text, with a comma"\r\n'
    origin, found = result_files.read_csv(path)
    assert origin == {"command": "x y", "commit": "abc"}
    assert found == [{"a": "1", "b": ""}, {"a": "2", "b": "0.5"}, {"a": "", "b": "text, with a comma"}]
    taken_now = result_files.write_csv(tmp_path / "now.csv", [[1]], ["a"], command="python scripts/x.py --y")
    origin, _ = result_files.read_csv(taken_now)
    assert origin["command"] == "python scripts/x.py --y"
    assert {"commit", "date", "machine", "software"} <= set(origin)


def test_csv_file_flushes_every_write(tmp_path):
    path = tmp_path / "rows.csv"
    with result_files.csv_file(path, ["step", "score"], {"command": "x"}) as write:
        assert result_files.read_csv(path) == ({"command": "x"}, [])
        write([[1, 0.25]])
        assert result_files.read_csv(path)[1] == [{"step": "1", "score": "0.25"}]
        write([{"step": 2, "score": 0.5}])
    assert [row["step"] for row in result_files.read_csv(path)[1]] == ["1", "2"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"origin": {"command": "x"}, "command": "x"}, "exactly one"),
        ({}, "exactly one"),
        ({"origin": {"command": "two\nlines"}}, "read back"),
        ({"origin": {"a: b": "x"}}, "read back"),
        ({"origin": ["command"]}, "mapping"),
        ({"origin": {"command": "x"}, "columns": []}, "columns"),
        ({"origin": {"command": "x"}, "rows": [{"c": 1}]}, "columns"),
        ({"origin": {"command": "x"}, "rows": [[1, 2, 3]]}, "2 cells"),
        ({"origin": {"command": "x"}, "rows": ["ab"]}, "2 cells"),
    ],
)
def test_write_csv_refuses_what_would_not_read_back(tmp_path, arguments, message):
    arguments = {"rows": [[1, 2]], "columns": ["a", "b"], **arguments}
    with pytest.raises(ValueError, match=message):
        result_files.write_csv(tmp_path / "x.csv", arguments.pop("rows"), arguments.pop("columns"), **arguments)


def test_load_results_names_the_missing_file_and_the_command(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match=r"nowhere\.csv.*python -m gan_lib\b"):
        result_files.load_results(missing)
    assert result_files.ABLATION_RESULTS.parts[-3:] == ("book", "results", "ablation.csv")
    with pytest.raises(FileNotFoundError, match="--out"):
        result_files.load_results(missing)


