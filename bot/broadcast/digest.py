"""The digest broadcast: the upcoming classes of one municipality as one message.

Lives here: ``build_digest`` (reads the classes, None when there are none) and
``digest_text``. Only real classes from the given moment on (never a past or a sample
class), soonest first, at most ``limit`` of them with "and N more"; each with date,
time, level, title, venue, address and the phone to book; then the programme's
promises that matter for booking, and how to stop the news. Reads classes through
``ScheduleStore``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.classes.model import ClassSession
from bot.store.database import Database
from bot.store.schedule import ScheduleStore

WEEKDAY_JA = "月火水木金土日"
DAYS = 14
LIMIT = 8
MAX_CHARS = 4000  # below Telegram's 4,096 and LINE's 5,000 characters per message


def _entry(c: ClassSession) -> str:
    time = f"{c.start}～{c.end}" if c.end else f"{c.start}～"
    lines = [f"■{c.day.month}月{c.day.day}日（{WEEKDAY_JA[c.day.weekday()]}）{time}　{c.level}編",
             c.title, f"会場：{c.venue}（{c.address}）"]  # fmt: skip
    if c.seats_left is not None:
        lines.append("満席です" if c.seats_left == 0 else f"残り{c.seats_left}席")
    if c.bring:
        lines.append(f"持ち物：{c.bring}")
    lines.append(f"予約・問い合わせ：{c.phone}")
    return "\n".join(lines)


def digest_text(municipality: str, classes: list[ClassSession], total: int, days: int) -> str:
    head = f"【{municipality}】スマホ講習会のお知らせ（参加無料）\nこれから{days}日間に開かれる講習会です。"
    parts = [head]
    for c in classes:
        entry = _entry(c)
        if sum(len(p) + 2 for p in parts) + len(entry) > MAX_CHARS - 300:
            break
        parts.append(entry)
    shown = len(parts) - 1
    if total > shown:
        short = municipality.removesuffix("市").removesuffix("町")
        parts.append(f"ほかに{total - shown}件あります。「{short}のスマホ教室」と送ると、日程を探せます。")
    parts.append("予約が必要な場合があります。会場に電話でお申し込みください。\n"
                 "お知らせをやめるときは「お知らせをやめる」と送ってください。")  # fmt: skip
    return "\n\n".join(parts)


async def build_digest(db: Database, municipality: str, now: datetime, days: int = DAYS, limit: int = LIMIT) -> str | None:
    classes, total = await ScheduleStore(db).upcoming(municipality, now, now.date() + timedelta(days=days), limit)
    if not classes:
        return None
    return digest_text(municipality, classes, total, days)
