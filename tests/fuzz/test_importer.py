"""Fuzzing ``madoguchi classes import`` with Hypothesis: a good schedule mutated byte by byte
(stray quotes, BOMs, Shift_JIS in UTF-8, huge cells, cuts, repeats) is either imported or
refused with errors in Japanese by row — never a traceback, and a refused file changes nothing;
afterwards a good file imports as it should."""

from __future__ import annotations

import os
import sqlite3

import pytest
from hypothesis import given, settings

from tests.classes.test_import import GOOD, csv_text
from tests.support.hostile import EXAMPLES, FUZZ, csv_files
from tests.support.staff import run_cli, write_staff

GOOD_FILE = csv_text(GOOD).encode("utf-8-sig")


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    folder = tmp_path_factory.mktemp("import")
    return {"db": str(folder / "t.db"), "staff": str(write_staff(folder)), "file": folder / "schedule.csv"}


def classes(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM classes ORDER BY id").fetchall()


def import_file(place, *options: str) -> tuple[int, str]:
    status, out, err, _ = run_cli(
        "classes",
        "import",
        str(place["file"]),
        "--db",
        place["db"],
        "--staff",
        place["staff"],
        "--as",
        "admin",
        *options,
    )
    return status, out + err


@settings(FUZZ, max_examples=max(1, EXAMPLES * 2 // 5))  # each example is a whole command run: open, check, import
@given(data=csv_files(GOOD_FILE))
def test_a_mutated_schedule_is_imported_or_refused_in_japanese(place, data):
    place["file"].write_bytes(data)
    before = classes(place["db"]) if os.path.exists(place["db"]) else []
    status, said = import_file(place, *(["--valid-only"] if len(data) % 2 else []))
    assert status in (0, 1), said
    assert "Traceback" not in said
    if status == 1:
        assert "行目" in said or "ファイル" in said or "列" in said, said
        assert classes(place["db"]) == before  # a refused file changes nothing


def test_afterwards_a_good_file_imports(place):
    place["file"].write_bytes(GOOD_FILE)
    status, said = import_file(place, "--replace")
    assert status == 0, said
    assert len([c for c in classes(place["db"]) if "宇部市" in c]) >= 3
