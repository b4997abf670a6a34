"""Files broken in the ways a city hall's files break — a UTF-8 BOM before Shift_JIS bytes, a
cell over the csv module's field limit from one stray quote, a quote left open that swallows
the next row — are refused with the row and column in Japanese, through ``madoguchi classes
import`` too, and change nothing (``--valid-only`` included)."""

from __future__ import annotations

import codecs

import pytest

from bot.classes.csv_io import read_schedule
from tests.classes.test_import import GOOD, HEADER, csv_text
from tests.support.databases import rows
from tests.support.staff import run_cli, write_staff


def bom_then_cp932() -> bytes:
    head = csv_text(GOOD[:1]).encode("utf-8")
    return codecs.BOM_UTF8 + head + csv_text([GOOD[1]], header=[]).lstrip("\r\n").encode("cp932")


def stray_quote_in_a_long_file() -> bytes:
    rows = [[*r[:9], f"{r[9]} {n}", *r[10:]] for n in range(12_000) for r in GOOD[:1]]
    rows[3][9] = '"はじめての' + rows[3][9]  # a quote that never closes
    text = csv_text(rows).replace('"""はじめての', '"はじめての')
    return text.encode("utf-8")


def quote_swallows_the_next_row() -> bytes:
    text = csv_text(GOOD)
    first = GOOD[0][9]
    text = text.replace(first, '"' + first, 1).replace(GOOD[1][9], GOOD[1][9] + '"', 1)
    return text.encode("utf-8")


BROKEN = {
    "bom-then-cp932": (bom_then_cp932, "3行目 「都道府県名」: 文字コードを読み取れません"),
    "stray-quote-100k": (stray_quote_in_a_long_file, "5行目"),
    "quote-swallows-a-row": (
        quote_swallows_the_next_row,
        '2行目 「10列目」: セルの「"」が閉じられていないようです（次の行が入り込んでいます）',
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_file_is_one_japanese_error_with_its_row(tmp_path, knowledge, name):
    make, expected = BROKEN[name]
    path = tmp_path / "broken.csv"
    path.write_bytes(make())
    schedule = read_schedule(path, knowledge)
    assert not schedule.ok and schedule.sessions == []
    (problem,) = schedule.problems
    assert expected in schedule.describe(problem)


def test_a_cell_too_long_names_its_row_and_column(tmp_path, knowledge):
    rows = [list(GOOD[0]), list(GOOD[1])]
    rows[1][13] = "あ" * 140_000  # 持ち物, over 128 KiB
    path = tmp_path / "long.csv"
    path.write_bytes(csv_text(rows).encode("utf-8"))
    (problem,) = read_schedule(path, knowledge).problems
    assert (problem.row, problem.column) == (3, "14列目") and "140,000文字" in problem.message


@pytest.mark.parametrize("name", list(BROKEN))
@pytest.mark.parametrize("valid_only", [False, True])
def test_the_command_refuses_it_and_changes_nothing(db_target, tmp_path, monkeypatch, name, valid_only):
    db = db_target
    good = tmp_path / "good.csv"
    good.write_bytes(csv_text(GOOD).encode("utf-8"))
    monkeypatch.setenv("MADOGUCHI_DB", db)
    monkeypatch.setenv("MADOGUCHI_STAFF", str(write_staff(tmp_path)))
    assert run_cli("classes", "import", str(good), "--as", "admin")[0] == 0
    before = rows(db, "SELECT * FROM classes ORDER BY id")
    path = tmp_path / "broken.csv"
    path.write_bytes(BROKEN[name][0]())
    status, out, err, _ = run_cli("classes", "import", str(path), "--as", "admin", *(["--valid-only"] * valid_only))
    assert status != 0 and "Traceback" not in out + err
    assert "行目" in out + err
    assert rows(db, "SELECT * FROM classes ORDER BY id") == before
    assert HEADER  # the header the files were made with
