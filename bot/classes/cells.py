"""Reading one cell of a class schedule, as a city hall writes it, with the reason in Japanese.

Lives here: ``CellError`` and one reader per kind of cell — date (2026/12/3,
2026-12-03, 2026年12月3日, 令和8年12月3日, R8.12.3, an Excel serial number; a weekday
in brackets is ignored), time (10:30, 10:30:00, 10時30分, 10時), level (入門 …, also
「入門編」), a count (全角 digits, 「5人」, 「満席」), booking required (要/不要, ○/×,
はい/いいえ …) and a phone number. Pure functions: no files, no database.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from bot.data import vocabulary

PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_REIWA = re.compile(r"^(?:令和|R)\s*(\d{1,2}|元)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", re.I)
_WEEKDAY = re.compile(r"[(（]\s*[月火水木金土日]\s*(曜日?)?\s*[)）]|\s+[月火水木金土日]曜日?$")
_TIME = re.compile(r"^(午前|午後|AM|PM)?\s*(\d{1,2})\s*(?:[:時]\s*(\d{1,2})?\s*分?)?(?::(\d{2}))?$", re.I)
_BOOKING_YES = {
    "要",
    "必要",
    "要予約",
    "予約要",
    "予約必要",
    "はい",
    "あり",
    "有",
    "有り",
    "○",
    "〇",
    "◯",
    "yes",
    "y",
    "true",
    "1",
    "要(電話)",
}
_BOOKING_NO = {"不要", "予約不要", "いいえ", "なし", "無", "無し", "×", "✕", "no", "n", "false", "0"}
EXCEL_EPOCH = date(1899, 12, 30)
REIWA_START = 2018  # 令和1年 = 2019


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in Japanese, with an example."""


def text(value: object) -> str:
    """The cell as text: NFKC (全角 digits and colons become ASCII), spaces trimmed."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def read_date(value: object) -> date:
    if isinstance(value, date):
        return value
    raw = text(value)
    s = _WEEKDAY.sub("", raw).strip()
    s = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", s)  # "2026/12/03 0:00" as Excel may write it
    try:
        if m := _DATE_YMD.match(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DATE_REIWA.match(s):
            year = 1 if m[1] == "元" else int(m[1])
            return date(REIWA_START + year, int(m[2]), int(m[3]))
        if s.isdigit() and 30000 <= int(s) <= 80000:  # an Excel date serial number
            return EXCEL_EPOCH + timedelta(days=int(s))
    except ValueError:
        raise CellError(f"ありえない日付です（例: 2026/12/03）: {raw!r}") from None
    if re.match(r"^\d{1,2}\s*[/月]\s*\d{1,2}\s*日?$", s):
        raise CellError(f"年がありません。2026/12/03 のように年から書いてください: {raw!r}")
    raise CellError(f"日付として読めません（例: 2026/12/03）: {raw!r}")


def read_time(value: object) -> str:
    """``"HH:MM"``. A YAML ``10:30`` arrives as the number 630 (base 60) and is read back."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    raw = text(value)
    s = raw.rstrip("~〜～-").strip()
    m = _TIME.match(s)
    if not m:
        raise CellError(f"時刻として読めません（例: 10:30）: {raw!r}")
    hour, minute = int(m[2]), int(m[3] or 0)
    if m[1] and m[1].upper() in ("午後", "PM") and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise CellError(f"ありえない時刻です（例: 10:30）: {raw!r}")
    return f"{hour:02d}:{minute:02d}"


def read_level(value: object) -> str:
    raw = text(value)
    s = re.sub(r"(編|講座|コース|レベル)$", "", raw.replace("【", "").replace("】", ""))
    if s in vocabulary.levels():
        return s
    raise CellError(f"レベルは {'・'.join(vocabulary.levels())} のどれかです: {raw!r}")


def read_count(value: object, what: str, allow_full: bool = False) -> int | None:
    """A count of people or seats; empty is None; 「満席」 is 0 where ``allow_full``."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
        raw = str(value)
    else:
        raw = text(value)
        if not raw or raw in ("-", "ー", "未定"):
            return None
        if allow_full and raw in ("満席", "満員", "なし"):
            return 0
        s = re.sub(r"\s*(人|名|席|名様)$", "", raw)
        if not re.fullmatch(r"[+-]?\d+", s):
            raise CellError(f"{what}は数字で書いてください（例: 5）: {raw!r}")
        n = int(s)
    if n < 0:
        raise CellError(f"{what}がマイナスです: {raw!r}")
    return n


def read_booking(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value)
    if not raw:
        return True  # 予約が必要な場合があります: when unsaid, residents are told to call first
    s = raw.lower()
    if s in _BOOKING_YES:
        return True
    if s in _BOOKING_NO:
        return False
    raise CellError(f"予約要否は「要」か「不要」で書いてください: {raw!r}")


def read_phone(value: object) -> str:
    raw = text(value)
    s = raw.replace("ー", "-").replace("−", "-").replace("‐", "-")
    found = PHONE.search(s)
    if found:
        return found.group()
    digits = re.sub(r"\D", "", s)
    if re.fullmatch(r"0\d{9,10}", digits):
        return digits
    if re.fullmatch(r"[1-9]\d{8,9}", digits):
        raise CellError(
            f"先頭の0が消えています（Excel が数値として扱った可能性があります。0836-00-0000 のようにハイフン付きで）: {raw!r}"
        )
    if not raw:
        raise CellError("電話番号がありません")
    raise CellError(f"電話番号として読めません（例: 0836-00-0000）: {raw!r}")
