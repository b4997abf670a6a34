"""Cells safe for Excel: a cell that would start a formula gets a leading apostrophe (OWASP's
CSV-injection defence), and reading it back drops that apostrophe again."""

from __future__ import annotations

import csv
import io

import pytest

from bot.data.spreadsheet import as_written, safe_cell, safe_writer

HOSTILE = [
    '=HYPERLINK("http://example.invalid","クリック")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＠SUM(1)",
]


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_formula_start_gets_an_apostrophe_and_reads_back_as_written(cell):
    assert safe_cell(cell) == "'" + cell
    assert as_written(safe_cell(cell)) == cell


@pytest.mark.parametrize("cell", ["宇部市", "0120-173-053", "10:30", "", "'quoted", "a=b", 5, None])
def test_ordinary_cells_are_left_alone(cell):
    assert safe_cell(cell) == cell
    if isinstance(cell, str):
        assert as_written(cell) == cell


def test_the_writer_guards_every_cell_of_every_row():
    out = io.StringIO(newline="")
    writer = safe_writer(out, lineterminator="\n")
    writer.writerow(["ok", "=1+1"])
    writer.writerows([["@x", 3], ["-y", "z"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["ok", "'=1+1"], ["'@x", "3"], ["'-y", "z"]]


def test_no_module_writes_csv_around_the_safe_writer():
    """Every CSV writer of the package goes through ``safe_writer`` (a new one would not be safe)."""
    from pathlib import Path

    import bot

    package = Path(bot.__file__).parent
    raw = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "spreadsheet.py" and any(w in p.read_text(encoding="utf-8") for w in ("csv.writer", "DictWriter"))
    ]
    assert raw == []
