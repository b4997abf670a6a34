"""Exporting a month's classes: the portal-style CSV and the city newsletter's text block.

Lives here: ``to_csv`` (the columns ``classes import`` reads, so an export can be edited
in Excel and imported again; UTF-8 with BOM by default — Excel opens it as is — or
CP932; a cell that would start a formula gets a leading apostrophe, ``bot.data.spreadsheet``) and ``to_newsletter`` (「〇12月のデジタル活用支援 講習会情報」 in the style of the
seed's 市政だより example: the lead paragraph, then each venue with its dates, times,
levels and titles and the phone to book, then the programme's promises and the
contact centre). Both are Japanese only: the CSV's columns and values are the portal's,
the newsletter's words the ``newsletter.*`` texts of ``knowledge/texts.yaml`` in Japanese,
the day and hours from ``bot.classes.days``. Sample (demo) classes are never exported.
Pure: text in, text out.
"""

from __future__ import annotations

import io
from itertools import groupby

from bot.classes.csv_io import COLUMNS
from bot.classes.days import day_label, time_range
from bot.classes.model import ClassSession
from bot.data.knowledge import Knowledge
from bot.data.spreadsheet import safe_writer

LANG = "ja"  # the city's newsletter is in Japanese


class NotEncodable(ValueError):
    """A character that CP932 cannot hold (the message names the row and the character)."""


def csv_row(c: ClassSession) -> list[str]:
    return [
        c.prefecture,
        c.municipality,
        c.venue,
        c.phone,
        c.address,
        f"{c.day:%Y/%m/%d}",
        c.start,
        c.end or "",
        c.level,
        c.title,
        "" if c.capacity is None else str(c.capacity),
        "" if c.seats_left is None else str(c.seats_left),
        "要" if c.booking_required else "不要",
        c.bring or "",
    ]


def to_csv(sessions: list[ClassSession], encoding: str = "utf-8-sig") -> bytes:
    """The CSV bytes, CRLF line ends as Excel writes them."""
    out = io.StringIO(newline="")
    writer = safe_writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in COLUMNS])
    rows = [csv_row(c) for c in sessions if not c.sample]
    writer.writerows(rows)
    text = out.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise NotEncodable(
            f"{line}行目の「{text[exc.start : exc.end]}」は Shift_JIS (CP932) で書けません。"
            "--encoding utf-8-sig（Excel で開けます）を使うか、その文字を置き換えてください"
        ) from None


def _t(knowledge: Knowledge, key: str, **values: object) -> str:
    return knowledge.text(key, LANG, **values)


def _line(k: Knowledge, c: ClassSession) -> str:
    date, time = day_label(c.day, LANG, k), time_range(c.start, c.end, LANG, k)
    line = _t(k, "newsletter.class", date=date, time=time, level=c.level, title=c.title)
    notes = []
    if c.capacity:
        notes.append(_t(k, "newsletter.capacity", capacity=c.capacity))
    if not c.booking_required:
        notes.append(_t(k, "newsletter.no_booking"))
    if c.bring:
        notes.append(_t(k, "newsletter.bring", bring=c.bring))
    if notes:
        line += _t(k, "newsletter.notes", notes=_t(k, "newsletter.sep").join(notes))
    return line


def to_newsletter(sessions: list[ClassSession], month: str, knowledge: Knowledge) -> str:
    """The text block for the newsletter of ``month`` (``"2026-12"``)."""
    number = int(month.split("-")[1])
    contact = knowledge.programme.contact
    real = [c for c in sessions if not c.sample]
    lines = [_t(knowledge, "newsletter.head", month=number), _t(knowledge, "newsletter.lead"), ""]
    if not real:
        lines += [_t(knowledge, "newsletter.none"), ""]
    cities = list(dict.fromkeys(c.municipality for c in real))
    for city, in_city in groupby(
        sorted(real, key=lambda c: (cities.index(c.municipality), c.venue, c.day, c.start)),
        key=lambda c: c.municipality,
    ):
        if len(cities) > 1:
            lines.append(_t(knowledge, "newsletter.city", city=city))
        by_venue: dict[tuple[str, str, str], list[ClassSession]] = {}
        for c in in_city:
            by_venue.setdefault((c.venue, c.address, c.phone), []).append(c)
        # Venues in the order of their first class, so the earliest comes first.
        for (venue, address, phone), classes in sorted(by_venue.items(), key=lambda kv: (kv[1][0].day, kv[1][0].start)):
            lines.append(_t(knowledge, "newsletter.venue", venue=venue, address=address))
            lines += [_line(knowledge, c) for c in classes]
            lines.append(_t(knowledge, "newsletter.phone", phone=phone))
            lines.append("")
    lines.append(_t(knowledge, "newsletter.foot", contact=contact.name.get(LANG), phone=contact.phone))
    return "\n".join(lines) + "\n"
