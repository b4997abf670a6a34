"""``madoguchi report unanswered``: the messages the bot could not answer, most frequent first.

Lives here: ``add_parser`` and ``run``. Lists the kept (identity-free, redacted) texts
with their count and the first and last day seen, so staff can add the wording to the
examples in ``knowledge/`` (then ``madoguchi knowledge readings``). ``--days`` keeps to
recent ones, ``--format csv`` for a spreadsheet (cells safe for Excel). Needs the ``report`` permission; audited.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bot.commands.common import OK, open_context, run_staff, staff_options
from bot.data.spreadsheet import safe_writer

COMMAND = "report"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(COMMAND, parents=[common], help="reports for staff")
    sub = parser.add_subparsers(dest="report_command", required=True)
    un = sub.add_parser(
        "unanswered", parents=[common, staff_options()], help="the most frequent messages the bot could not answer"
    )
    un.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    un.add_argument("--days", type=int, help="only messages seen in the last N days")
    un.add_argument("--lang", choices=("ja", "en"), help="only this language")
    un.add_argument("--format", choices=("text", "csv"), default="text")
    return parser


def run(args: argparse.Namespace) -> int:
    return run_staff(lambda: _unanswered(args), args)


async def _unanswered(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock

    ctx = await open_context(args)
    try:
        await ctx.guard.require(ctx.actor, "report", name="report.unanswered")
        since = SystemClock()().date() - timedelta(days=args.days) if args.days else None
        log = ctx.stores.unanswered
        misses = await log.top(args.limit, since, args.lang)
        if args.format == "csv":
            writer = safe_writer(sys.stdout, lineterminator="\n")
            writer.writerow(["count", "lang", "text", "first_day", "last_day"])
            for m in misses:
                writer.writerow([m.count, m.lang, m.text, m.first_day, m.last_day])
        else:
            distinct, total = await log.total()
            print(
                f"答えられなかったメッセージ: {total}件（{distinct}種類）"
                + (f"、直近{args.days}日" if args.days else "")
                + " — 多い順"
            )
            for m in misses:
                print(f"{m.count:>5}  [{m.lang}] {m.text}  （{m.first_day}〜{m.last_day}）")
            if misses:
                print(
                    "よくある言い方は knowledge/intents.yaml などの examples に加え、"
                    "madoguchi knowledge readings を実行してください。"
                )
        await ctx.guard.record(ctx.actor, "report.unanswered", None, f"ok: {len(misses)} shown")
        return OK
    finally:
        await ctx.close()
