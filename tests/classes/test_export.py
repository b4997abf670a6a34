"""Exporting a month's classes: the portal-style CSV (which imports back unchanged) and the
newsletter block in the seed's 市政だより style, word for word; demo classes never leave the
database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.classes.csv_io import COLUMNS, read_schedule
from bot.classes.export import NotEncodable, to_csv, to_newsletter
from bot.classes.model import ClassSession
from tests.classes.month import AU, MONTH, UBE
from tests.support.staff import run_cli, write_staff

SESSIONS = [
    ClassSession(
        **UBE,
        day=date(2026, 12, 3),
        start="10:30",
        end="11:30",
        level="入門",
        title="はじめてのスマートフォン",
        capacity=5,
        seats_left=5,
    ),
    ClassSession(
        **UBE,
        day=date(2026, 12, 5),
        start="13:00",
        level="活用",
        title="スマートフォンでマイナンバーカードの申請をしよう",
        capacity=5,
        seats_left=0,
        bring="マイナンバーカード",
    ),
    ClassSession(
        **AU,
        day=date(2026, 12, 1),
        start="10:00",
        end="11:00",
        level="基本",
        title="スマホの基本",
        booking_required=False,
    ),
]
SAMPLE = ClassSession(**UBE, day=date(2026, 12, 4), start="10:30", level="入門", title="見本の講座", sample=True)


def test_the_csv_has_the_import_columns_and_excel_line_ends():
    data = to_csv(SESSIONS)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == ",".join(name for name, _, _ in COLUMNS)
    assert lines[0].startswith("都道府県名,市区町村名,拠点名,電話番号,住所,")
    assert lines[1].startswith("山口県,宇部市,ドコモショップフジグラン宇部店,0120-173-053,")
    assert "2026/12/03,10:30,11:30,入門,はじめてのスマートフォン,5,5,要," in lines[1]
    assert lines[3].endswith(",不要,")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_an_export_imports_back_unchanged(tmp_path, knowledge, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(to_csv(SESSIONS, encoding))
    schedule = read_schedule(path, knowledge)
    assert schedule.ok
    strip = lambda c: replace(c, topics=(), shop_id=None, carrier=None)  # noqa: E731 - derived, not exported
    assert [strip(c) for c in schedule.sessions] == SESSIONS


def test_cp932_refuses_what_it_cannot_hold_naming_the_row():
    odd = replace(SESSIONS[0], title="はじめてのスマホ🙂")
    with pytest.raises(NotEncodable) as exc:
        to_csv([SESSIONS[1], odd], "cp932")
    assert "3行目" in str(exc.value) and "🙂" in str(exc.value)


def test_sample_classes_are_never_exported(knowledge):
    assert "見本の講座" not in to_csv([*SESSIONS, SAMPLE]).decode("utf-8-sig")
    assert "見本の講座" not in to_newsletter([*SESSIONS, SAMPLE], "2026-12", knowledge)


def test_the_newsletter_block_in_the_seed_style(knowledge):
    text = to_newsletter(SESSIONS, "2026-12", knowledge)
    lines = text.splitlines()
    assert lines[0] == "〇12月のデジタル活用支援 講習会情報"
    assert lines[1].startswith("身近な場所で身近な人（デジタル活用支援員）から")
    au = lines.index("■auショップ宇部常盤通り（宇部市新天町2-4-5）")
    docomo = lines.index("■ドコモショップフジグラン宇部店（宇部市明神町3-1-1フジグラン宇部グランフジ1階）")
    assert au < docomo  # the venue with the earliest class first
    assert lines[au + 1] == "　12月1日（火）　10:00～11:00　基本編　スマホの基本（予約不要）"
    assert lines[docomo + 1] == "　12月3日（木）　10:30～11:30　入門編　はじめてのスマートフォン（定員5人）"
    assert "持ち物：マイナンバーカード" in lines[docomo + 2]
    assert lines[docomo + 3] == "　申込み・問合せ　0120-173-053"
    assert "年齢を問わず、どなたでも、何回でも受講できます" in text
    assert "商品やサービスを販売することはありません" in text
    assert "※開催予定については、変更の可能性があります。" in text
    assert text.rstrip().endswith("TEL：03-5974-0129")


def test_an_empty_month_says_so(knowledge):
    assert "まだありません" in to_newsletter([], "2027-01", knowledge)
    assert to_newsletter([], "2027-01", knowledge).startswith("〇1月のデジタル活用支援")


def test_export_from_the_command_line(db_target, tmp_path):
    staff = write_staff(tmp_path)
    db = db_target
    schedule = tmp_path / "in.csv"
    schedule.write_bytes(to_csv(SESSIONS, "cp932"))
    base = ("--db", db, "--staff", str(staff))
    assert run_cli("classes", "import", str(schedule), *base, "--as", "ube")[0] == 0
    status, out, err, data = run_cli(
        "classes", "export", "--city", "宇部市", "--month", "2026-12", *base, "--as", "ube"
    )
    assert status == 0, err
    assert data.decode("utf-8-sig").count("\r\n") == 4
    status, out, err, data = run_cli(
        "classes", "export", "--city", "宇部市", "--month", "2026-12", "--format", "newsletter", *base, "--as", "admin"
    )
    assert status == 0 and data.decode("utf-8").startswith("〇12月のデジタル活用支援 講習会情報")
    target = tmp_path / "dec.csv"
    status, *_ = run_cli(
        "classes", "export", "--month", "2026-12", "--encoding", "cp932", "-o", str(target), *base, "--as", "ube"
    )
    assert status == 0 and target.read_bytes().decode("cp932").startswith("都道府県名")
    status, out, err, _ = run_cli("classes", "export", "--month", "2026-13", *base, "--as", "ube")
    assert status == 2 and "--month" in err


FOOT = (
    "参加費は無料です。年齢を問わず、どなたでも、何回でも受講できます。\n"
    "講習会では、商品やサービスを販売することはありません。\n"
    "予約が必要な場合があります。講習会の参加申込みやお問い合わせについては、各会場までお電話ください。\n"
    "※講座内容によっては、持参していただくものがあります。\n"
    "※開催予定については、変更の可能性があります。\n"
    "参加申込み以外のお問い合わせ先　デジタル活用支援センター（一般財団法人 日本データ通信協会）　TEL：03-5974-0129\n"
)
LEAD = (
    "身近な場所で身近な人（デジタル活用支援員）からオンラインによる行政手続や、スマートフォンの操作方法・"
    "サービスの利用方法について学べる講習会を各地で開催しています。今月の講習会の開催情報を掲載します。\n"
)


def test_the_newsletter_block_word_for_word(knowledge):
    assert to_newsletter([*MONTH, SAMPLE], "2026-12", knowledge) == (
        "〇12月のデジタル活用支援 講習会情報\n" + LEAD + "\n"
        "【宇部市】\n"
        "■ドコモショップフジグラン宇部店（宇部市明神町3-1-1フジグラン宇部グランフジ1階）\n"
        "　12月1日（火）　9:00～10:30　入門編　講座0\n"
        "　12月4日（金）　12:00～　応用編　講座3（定員8人・予約不要）\n"
        "　12月7日（月）　15:00～16:30　体験編　講座6（定員11人）\n"
        "　申込み・問合せ　0120-173-053\n\n"
        "■auショップ宇部常盤通り（宇部市新天町2-4-5）\n"
        "　12月2日（水）　10:00～　体験編　講座1（定員6人・予約不要・持ち物：マイナンバーカード）\n"
        "　12月5日（土）　13:00～14:30　活用編　講座4（持ち物：マイナンバーカード）\n"
        "　12月8日（火）　16:00～　基本編　講座7（定員12人・予約不要・持ち物：マイナンバーカード）\n"
        "　申込み・問合せ　0800-700-2472\n\n"
        "【周防大島町】\n"
        "■ソフトバンク大島（周防大島町小松1）\n"
        "　12月3日（木）　11:00～12:30　基本編　講座2（定員7人）\n"
        "　12月6日（日）　14:00～　入門編　講座5（定員10人・予約不要）\n"
        "　12月9日（水）　17:00～18:30　応用編　講座8\n"
        "　申込み・問合せ　0820-72-0000\n\n" + FOOT
    )


def test_an_empty_month_word_for_word(knowledge):
    expected = "〇1月のデジタル活用支援 講習会情報\n" + LEAD + "\n今月の開催予定は、まだありません。\n\n" + FOOT
    assert to_newsletter([], "2027-01", knowledge) == expected


def test_cells_that_would_run_as_formulas_in_excel_are_neutralised_and_import_back(tmp_path, knowledge):
    hostile = replace(
        SESSIONS[0],
        title='=HYPERLINK("http://example.invalid","クリック")',
        bring="@SUM(1+1)",
        venue="+cmd|' /C calc'!A0",
    )
    data = to_csv([hostile])
    rows = data.decode("utf-8-sig").split("\r\n")
    assert ",'+cmd|' /C calc'!A0," in rows[1] and "'=HYPERLINK(" in rows[1] and rows[1].endswith(",'@SUM(1+1)")
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    (back,) = read_schedule(path, knowledge).sessions
    assert (back.title, back.bring, back.venue) == (hostile.title, hostile.bring, hostile.venue)
