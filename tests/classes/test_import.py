"""Importing class schedules as a city hall's Excel writes them: encodings, every row checked
with the reason in Japanese by row and column, all-or-nothing or valid rows only, dry runs,
re-imports that update instead of duplicating, and ``--replace``."""

from __future__ import annotations

import codecs
from datetime import date, datetime

import pytest

from bot import config
from bot.classes.csv_io import COLUMNS, read_schedule
from bot.classes.importer import apply_plan, plan_import
from bot.clock import TOKYO
from bot.data.shops import load_shops
from bot.store.classes import ClassStore
from bot.store.reminders import ReminderStore
from bot.store.schedule import ScheduleStore

HEADER = [name for name, _, _ in COLUMNS]
DOCOMO_UBE = [
    "山口県",
    "宇部市",
    "ドコモショップフジグラン宇部店",
    "0120-173-053",
    "宇部市明神町3-1-1フジグラン宇部グランフジ1階",
]
AU_UBE = ["山口県", "宇部市", "auショップ宇部常盤通り", "0800-700-2472", "宇部市新天町2-4-5"]
GOOD = [
    [*DOCOMO_UBE, "2026/12/03", "10:30", "11:30", "入門", "はじめてのスマートフォン", "5", "5", "要", ""],
    [
        *AU_UBE,
        "2026/12/05",
        "13:00",
        "14:00",
        "活用",
        "スマートフォンでマイナンバーカードの申請をしよう",
        "5",
        "3",
        "要",
        "マイナンバーカード",
    ],
    [*DOCOMO_UBE, "2026/12/10", "15:00", "", "応用", "スマートフォンで災害に備えよう", "", "", "不要", ""],
]


def csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if "," in v else v

    return "".join(",".join(cell(v) for v in row) + "\r\n" for row in [header, *rows])


# A class in another municipality (for the municipal member who may import only Ube's).
SHIMONOSEKI = [
    "山口県",
    "下関市",
    "ソフトバンク下関山の田",
    "083-251-4020",
    "下関市山の田本町6-2",
    "2026/12/07",
    "10:00",
    "",
    "入門",
    "はじめてのスマホ",
    "5",
    "2",
    "",
    "",
]


def write(tmp_path, rows, encoding="utf-8-sig", name="schedule.csv", header=HEADER):
    path = tmp_path / name
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


@pytest.fixture(scope="module")
def shops(knowledge):
    return load_shops(config.shops_file(), knowledge.municipalities.municipalities)


@pytest.mark.parametrize(
    "encoding, label",
    [
        ("utf-8-sig", "UTF-8（BOM付き）"),
        ("cp932", "Shift_JIS（CP932）"),
        ("utf-8", "UTF-8"),
        ("shift_jis", "Shift_JIS（CP932）"),
    ],
)
def test_good_rows_in_every_encoding_excel_writes(tmp_path, knowledge, shops, encoding, label):
    schedule = read_schedule(write(tmp_path, GOOD, encoding), knowledge, shops)
    assert schedule.ok, [schedule.describe(p) for p in schedule.problems]
    assert schedule.encoding == label
    first, second, third = schedule.sessions
    assert (first.municipality, first.venue, first.day, first.start, first.end) == (
        "宇部市",
        "ドコモショップフジグラン宇部店",
        date(2026, 12, 3),
        "10:30",
        "11:30",
    )
    assert (first.level, first.capacity, first.seats_left, first.booking_required) == ("入門", 5, 5, True)
    assert first.shop_id == "docomo-ube-fujigran" or first.carrier == "docomo"
    assert first.carrier == "docomo" and second.carrier == "au"
    assert second.bring == "マイナンバーカード" and "mynumber" in second.topics
    assert third.end is None and third.capacity is None and third.booking_required is False


def test_utf16_tab_separated_as_excel_unicode_text(tmp_path, knowledge):
    text = csv_text(GOOD).replace(",", "\t")
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    schedule = read_schedule(path, knowledge)
    assert schedule.ok and len(schedule.sessions) == 3 and schedule.encoding == "UTF-16"


def test_the_shop_is_recognised_from_the_listing(tmp_path, knowledge, shops):
    schedule = read_schedule(write(tmp_path, GOOD[:1]), knowledge, shops)
    (session,) = schedule.sessions
    listed = {s.name: s.id for s in shops.in_city("宇部市")}
    assert session.shop_id == listed["ドコモショップフジグラン宇部店"]


def test_cells_as_people_type_them(tmp_path, knowledge):
    rows = [
        [
            *DOCOMO_UBE,
            "２０２６年１２月３日（木）",
            "10時30分",
            "11:30:00",
            "入門編",
            "はじめてのスマートフォン",
            "５人",
            "満席",
            "○",
            "",
        ],
        [*AU_UBE, "R8.12.5", "午後1時", "", "【活用】", "マイナンバーカードの申請", "5", "0", "予約不要", ""],
        [*AU_UBE, "2026-12-06", "10:30～11:30", "", "基本", "スマホの基本", "5", "", "", ""],
    ]
    schedule = read_schedule(write(tmp_path, rows), knowledge)
    assert schedule.ok, [schedule.describe(p) for p in schedule.problems]
    a, b, c = schedule.sessions
    assert (a.day, a.start, a.end, a.level, a.capacity, a.seats_left) == (
        date(2026, 12, 3),
        "10:30",
        "11:30",
        "入門",
        5,
        0,
    )
    assert (b.day, b.start, b.level, b.booking_required) == (date(2026, 12, 5), "13:00", "活用", False)
    assert (c.start, c.end, c.booking_required) == ("10:30", "11:30", True)


def test_bad_rows_are_reported_by_row_and_column_in_japanese(tmp_path, knowledge):
    rows = [
        GOOD[0],
        [*DOCOMO_UBE, "2026/13/01", "10:30", "", "入門", "日付が変", "5", "5", "要", ""],  # row 3: bad date
        [
            "山口県",
            "宇部町",
            "どこか",
            "0836-00-0000",
            "どこか",
            "2026/12/04",
            "10:00",
            "",
            "入門",
            "市が変",
            "5",
            "5",
            "",
            "",
        ],
        [*DOCOMO_UBE, "2026/12/08", "10:30", "", "入門", "席が変", "5", "-1", "要", ""],  # row 5: negative seats
        GOOD[0],  # row 6: the same class as row 2
        ["広島県", "宇部市", *DOCOMO_UBE[2:], "2026/12/09", "25:00", "", "上級", "いろいろ変", "3", "4", "たぶん", ""],
        [*DOCOMO_UBE, "12/10", "11:00", "10:00", "入門", "年がない", "5", "5", "", ""],
        [
            *DOCOMO_UBE[:3],
            "836-36-2253",
            DOCOMO_UBE[4],
            "2026/12/11",
            "10:00",
            "",
            "入門",
            "電話が変",
            "5",
            "5",
            "",
            "",
        ],
    ]
    schedule = read_schedule(write(tmp_path, rows), knowledge)
    found = {(p.row, p.column): p.message for p in schedule.problems}
    assert "日付" in found[(3, "開催日")] and "2026/13/01" in found[(3, "開催日")]
    assert "山口県の市町ではありません" in found[(4, "市区町村名")] and "宇部町" in found[(4, "市区町村名")]
    assert "マイナス" in found[(5, "残席")]
    assert "2行目と同じ講座です" in found[(6, None)]
    assert "山口県" in found[(7, "都道府県名")]
    assert "時刻" in found[(7, "開始時刻")]
    assert "入門・体験・基本・応用・活用" in found[(7, "レベル")]
    assert "定員" in found[(7, "残席")]
    assert "要" in found[(7, "予約要否")]
    assert "年がありません" in found[(8, "開催日")]
    assert "先頭の0" in found[(9, "電話番号")]
    assert schedule.bad_rows == 7 and [s.title for s in schedule.sessions] == ["はじめてのスマートフォン"]
    assert schedule.describe(schedule.problems[0]).startswith(f"{schedule.file}: 3行目 「開催日」: ")


def test_the_end_before_the_start(tmp_path, knowledge):
    rows = [[*DOCOMO_UBE, "2026/12/03", "11:00", "10:00", "入門", "逆", "5", "5", "", ""]]
    (problem,) = read_schedule(write(tmp_path, rows), knowledge).problems
    assert (problem.row, problem.column) == (2, "終了時刻") and "前" in problem.message


def test_a_missing_column_refuses_the_whole_file(tmp_path, knowledge):
    header = [h for h in HEADER if h != "開催日"]
    rows = [[v for i, v in enumerate(r) if HEADER[i] != "開催日"] for r in GOOD]
    schedule = read_schedule(write(tmp_path, rows, header=header), knowledge)
    assert [(p.row, p.column) for p in schedule.file_problems] == [(None, "開催日")]
    assert "必須の列がありません" in schedule.describe(schedule.file_problems[0])
    assert schedule.sessions == []


def test_other_column_names_staff_use_and_unknown_columns(tmp_path, knowledge):
    header = [
        "都道府県",
        "市町村名",
        "実施場所",
        "連絡先",
        "所在地",
        "日付",
        "開始",
        "終了",
        "講座レベル",
        "講座内容",
        "備考",
    ]
    rows = [[*DOCOMO_UBE, "2026/12/03", "10:30", "11:30", "入門", "はじめてのスマートフォン", "メモ"]]
    schedule = read_schedule(write(tmp_path, rows, header=header), knowledge)
    assert schedule.ok and len(schedule.sessions) == 1
    assert [w.column for w in schedule.warnings] == ["備考"]


def test_a_file_that_is_not_text(tmp_path, knowledge):
    path = tmp_path / "broken.csv"
    path.write_bytes(csv_text(GOOD[:1]).encode("utf-8") + b"\x81\x20\xff\xfe\n")
    schedule = read_schedule(path, knowledge)
    assert schedule.sessions == [] and "文字コード" in schedule.problems[0].message


def test_a_municipal_member_imports_only_their_cities(tmp_path, knowledge):
    schedule = read_schedule(write(tmp_path, [GOOD[0], SHIMONOSEKI]), knowledge, allowed=lambda city: city == "宇部市")
    (problem,) = schedule.problems
    assert (problem.row, problem.column) == (
        3,
        "市区町村名",
    ) and "下関市の講座を登録する権限がありません" in problem.message


def test_past_dates_are_a_warning_not_an_error(tmp_path, knowledge):
    schedule = read_schedule(write(tmp_path, GOOD), knowledge, today=date(2026, 12, 4))
    assert schedule.ok
    assert [(w.row, w.column) for w in schedule.warnings] == [(2, "開催日")]


def test_yaml_schedules_with_unquoted_dates_and_times(tmp_path, knowledge):
    path = tmp_path / "schedule.yaml"
    path.write_text(
        "classes:\n"
        "  - {都道府県名: 山口県, 市区町村名: 宇部市, 拠点名: ドコモショップフジグラン宇部店, 電話番号: 0120-173-053,\n"
        "     住所: 宇部市明神町3-1-1, 開催日: 2026-12-03, 開始時刻: 10:30, 終了時刻: 11:30, レベル: 入門,\n"
        "     講座名: はじめてのスマートフォン, 定員: 5, 残席: 4, 予約要否: 要}\n"
        "  - municipality: 宇部市\n"
        "    prefecture: 山口県\n"
        "    venue: auショップ宇部常盤通り\n"
        "    phone: 0800-700-2472\n"
        "    address: 宇部市新天町2-4-5\n"
        "    date: 2026-12-32\n"
        "    start: '13:00'\n"
        "    level: 活用\n"
        "    title: マイナンバーカード\n",
        encoding="utf-8",
    )
    schedule = read_schedule(path, knowledge)
    (session,) = schedule.sessions
    assert (session.day, session.start, session.end, session.seats_left) == (date(2026, 12, 3), "10:30", "11:30", 4)
    (problem,) = schedule.problems
    assert problem.row == 5 and problem.column == "開催日"


async def test_all_or_nothing_then_valid_rows_only(tmp_path, knowledge, db):
    rows = [*GOOD, [*DOCOMO_UBE, "2026/02/30", "10:30", "", "入門", "x", "5", "5", "", ""]]
    schedule = read_schedule(write(tmp_path, rows), knowledge)
    plan = await plan_import(ScheduleStore(db), schedule)
    assert plan.refusal and "何も取り込みません" in plan.refusal and not plan.will_write
    with pytest.raises(ValueError):
        await apply_plan(ScheduleStore(db), plan)
    assert await ClassStore(db).count() == 0
    plan = await plan_import(ScheduleStore(db), schedule, valid_only=True)
    assert plan.refusal is None and plan.count("new") == 3
    await apply_plan(ScheduleStore(db), plan)
    assert await ClassStore(db).count() == 3


async def test_a_reimport_updates_instead_of_duplicating(tmp_path, knowledge, db):
    await apply_plan(
        ScheduleStore(db), await plan_import(ScheduleStore(db), read_schedule(write(tmp_path, GOOD), knowledge))
    )
    before = await ScheduleStore(db).in_month(["宇部市"], "2026-12")
    changed = [row[:] for row in GOOD]
    changed[0][11] = "2"  # seats left 5 → 2
    plan = await plan_import(ScheduleStore(db), read_schedule(write(tmp_path, changed), knowledge))
    assert (plan.count("new"), plan.count("updated"), plan.count("unchanged")) == (0, 1, 2)
    (update,) = [c for c in plan.changes if c.kind == "updated"]
    assert "残席 5→2" in update.describe()
    await apply_plan(ScheduleStore(db), plan)
    after = await ScheduleStore(db).in_month(["宇部市"], "2026-12")
    assert len(after) == 3 and [c.id for c in after] == [c.id for c in before]
    assert after[0].seats_left == 2


async def test_a_dry_run_plan_writes_nothing_and_replace_removes_what_the_file_dropped(tmp_path, knowledge, db):
    await apply_plan(
        ScheduleStore(db), await plan_import(ScheduleStore(db), read_schedule(write(tmp_path, GOOD), knowledge))
    )
    store = ScheduleStore(db)
    dropped = (await store.in_month(["宇部市"], "2026-12"))[1]
    reminders = ReminderStore(db)
    await reminders.add("telegram:1", dropped.id, datetime(2026, 12, 4, 10, tzinfo=TOKYO))
    plan = await plan_import(
        ScheduleStore(db), read_schedule(write(tmp_path, [GOOD[0], GOOD[2]]), knowledge), replace=True
    )
    assert [c.kind for c in plan.changes].count("removed") == 1
    assert await ClassStore(db).count() == 3  # planning wrote nothing
    await apply_plan(ScheduleStore(db), plan)
    assert [c.title for c in await store.in_month(["宇部市"], "2026-12")] == [GOOD[0][9], GOOD[2][9]]
    (reminder,) = await reminders.of_user("telegram:1", ("cancelled",))
    assert reminder.last_error == "class removed"


async def test_replace_needs_a_file_without_errors(tmp_path, knowledge, db):
    rows = [GOOD[0], [*DOCOMO_UBE, "2026/02/30", "10:30", "", "入門", "x", "5", "5", "", ""]]
    plan = await plan_import(
        ScheduleStore(db), read_schedule(write(tmp_path, rows), knowledge), valid_only=True, replace=True
    )
    assert plan.refusal and "--replace" in plan.refusal
