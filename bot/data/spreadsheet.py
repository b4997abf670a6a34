"""Cells safe to open in Excel: every CSV the project writes goes through here.

Lives here: ``safe_cell`` and ``safe_row`` (OWASP's defence against CSV injection: a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or a full-width
＝ ＋ － ＠) — which a spreadsheet would run as a formula — gets a leading apostrophe, so Excel shows the text
as written), ``as_written`` (the reverse, for files read back in: the apostrophe
Excel keeps is dropped again), and ``safe_writer`` (a ``csv.writer`` that applies it to every row).
Pure: no I/O of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

# OWASP's list, and the full-width forms a Japanese Excel may also take as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it, never as a formula it would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_written(cell: str) -> str:
    """A cell read back from a file we (or Excel) made safe: the guarding apostrophe dropped."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def safe_row(row: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in row]


class _SafeWriter:
    """A ``csv.writer`` whose every cell is made safe first."""

    def __init__(self, out: IO[str], **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(out: IO[str], **options) -> _SafeWriter:
    """A CSV writer for files staff open in Excel (``csv.writer``'s options)."""
    return _SafeWriter(out, **options)
