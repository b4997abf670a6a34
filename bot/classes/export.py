"""Exporting a month's classes: the portal-style CSV and the city newsletter's text block.

Lives here: ``to_csv`` (the columns ``classes import`` reads, so an export can be edited
in Excel and imported again; UTF-8 with BOM by default — Excel opens it as is — or
CP932) and ``to_newsletter`` (「〇12月のデジタル活用支援 講習会情報」 in the style of the
seed's 市政だより example: the lead paragraph, then each venue with its dates, times,
levels and titles and the phone to book, then the programme's promises and the
contact centre). Sample (demo) classes are never exported. Pure: text in, text out.
"""

from __future__ import annotations

import csv
import io
from itertools import groupby

from bot.classes.csv_io import COLUMNS
from bot.classes.model import ClassSession
from bot.data.knowledge import Knowledge

WEEKDAY_JA = "月火水木金土日"
NEWSLETTER_LEAD = (
    "身近な場所で身近な人（デジタル活用支援員）からオンラインによる行政手続や、スマートフォンの操作方法・"
    "サービスの利用方法について学べる講習会を各地で開催しています。今月の講習会の開催情報を掲載します。"
)


class NotEncodable(ValueError):
    """A character that CP932 cannot hold (the message names the row and the character)."""


def csv_row(c: ClassSession) -> list[str]:
    return [
        c.prefecture, c.municipality, c.venue, c.phone, c.address, f"{c.day:%Y/%m/%d}", c.start, c.end or "",
        c.level, c.title, "" if c.capacity is None else str(c.capacity),
        "" if c.seats_left is None else str(c.seats_left), "要" if c.booking_required else "不要", c.bring or "",
    ]  # fmt: skip


def to_csv(sessions: list[ClassSession], encoding: str = "utf-8-sig") -> bytes:
    """The CSV bytes, CRLF line ends as Excel writes them."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in COLUMNS])
    rows = [csv_row(c) for c in sessions if not c.sample]
    writer.writerows(rows)
    text = out.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise NotEncodable(
            f"{line}行目の「{text[exc.start:exc.end]}」は Shift_JIS (CP932) で書けません。"
            "--encoding utf-8-sig（Excel で開けます）を使うか、その文字を置き換えてください"
        ) from None


def _day(c: ClassSession) -> str:
    return f"{c.day.month}月{c.day.day}日（{WEEKDAY_JA[c.day.weekday()]}）"


def _line(c: ClassSession) -> str:
    time = f"{c.start}～{c.end}" if c.end else f"{c.start}～"
    parts = [f"　{_day(c)}　{time}　{c.level}編　{c.title}"]
    extras = []
    if c.capacity:
        extras.append(f"定員{c.capacity}人")
    if not c.booking_required:
        extras.append("予約不要")
    if c.bring:
        extras.append(f"持ち物：{c.bring}")
    if extras:
        parts.append("（" + "・".join(extras) + "）")
    return "".join(parts)


def to_newsletter(sessions: list[ClassSession], month: str, knowledge: Knowledge) -> str:
    """The text block for the newsletter of ``month`` (``"2026-12"``)."""
    number = int(month.split("-")[1])
    contact = knowledge.programme.contact
    real = [c for c in sessions if not c.sample]
    lines = [f"〇{number}月のデジタル活用支援 講習会情報", NEWSLETTER_LEAD, ""]
    if not real:
        lines += ["今月の開催予定は、まだありません。", ""]
    cities = list(dict.fromkeys(c.municipality for c in real))
    for city, in_city in groupby(sorted(real, key=lambda c: (cities.index(c.municipality), c.venue, c.day, c.start)),
                                 key=lambda c: c.municipality):  # fmt: skip
        if len(cities) > 1:
            lines.append(f"【{city}】")
        by_venue: dict[tuple[str, str, str], list[ClassSession]] = {}
        for c in in_city:
            by_venue.setdefault((c.venue, c.address, c.phone), []).append(c)
        # Venues in the order of their first class, so the earliest comes first.
        for (venue, address, phone), classes in sorted(by_venue.items(), key=lambda kv: (kv[1][0].day, kv[1][0].start)):
            lines.append(f"■{venue}（{address}）")
            lines += [_line(c) for c in classes]
            lines.append(f"　申込み・問合せ　{phone}")
            lines.append("")
    lines += [
        "参加費は無料です。年齢を問わず、どなたでも、何回でも受講できます。",
        "講習会では、商品やサービスを販売することはありません。",
        "予約が必要な場合があります。講習会の参加申込みやお問い合わせについては、各会場までお電話ください。",
        "※講座内容によっては、持参していただくものがあります。",
        "※開催予定については、変更の可能性があります。",
        f"参加申込み以外のお問い合わせ先　{contact.name.ja}　TEL：{contact.phone}",
    ]
    return "\n".join(lines) + "\n"
