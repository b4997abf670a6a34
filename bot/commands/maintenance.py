"""``madoguchi maintenance purge [--dry-run]``: delete what has been kept long enough.

Lives here: ``add_parser`` and ``run``. Applies the retention policy (``bot.store.retention``:
a conversation's remembered context after 30 days of silence, unanswered questions after 180
days, delivery records after a year, audit entries after three years; each set by
``MADOGUCHI_KEEP_<KIND>_DAYS``). ``--dry-run`` lists what would go — how many of each kind, a
few examples and the cut-off day — and deletes nothing. Needs the ``maintenance`` permission
(admin); audited. The channel processes run the same purge daily by themselves.
"""

from __future__ import annotations

import argparse

from bot.commands.common import OK, UsageError, open_context, run_staff, staff_options

COMMAND = "maintenance"
LABELS = {
    "conversations": ("会話で覚えている内容", "最後のやりとりから"),
    "unanswered": ("答えられなかった質問", "最後に聞かれてから"),
    "deliveries": ("お知らせの配信記録", "記録してから"),
    "reminders": ("講座リマインダーの送信記録", "記録してから"),
    "audit": ("操作記録（監査ログ）", "記録してから"),
}


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(COMMAND, parents=[common], help="upkeep of the stored data")
    sub = parser.add_subparsers(dest="maintenance_command", required=True)
    purge = sub.add_parser(
        "purge", parents=[common, staff_options()], help="delete what the retention policy says is kept long enough"
    )
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    return parser


def run(args: argparse.Namespace) -> int:
    return run_staff(lambda: _purge(args), args)


async def _purge(args: argparse.Namespace) -> int:
    from bot import config
    from bot.clock import SystemClock
    from bot.store.retention import Purger, RetentionPolicy
    from bot.upkeep import purge_now

    try:
        policy = RetentionPolicy.from_days(config.retention_days())
    except config.BadSetting as exc:
        raise UsageError(str(exc)) from None
    ctx = await open_context(args)
    try:
        await ctx.guard.require(ctx.actor, "maintenance", name="maintenance.purge")
        clock = SystemClock()
        now = clock()
        due = await Purger(ctx.stores.db, policy).due(now)
        head = (
            "削除の予定（--dry-run: 何も削除していません）" if args.dry_run else "保存期間を過ぎたデータを削除しました"
        )
        print(f"{head} — {now:%Y/%m/%d %H:%M} 時点")
        for d in due:
            label, since = LABELS[d.kind]
            days = (now - d.cutoff).days
            print(f"・{label}（{since}{days}日、{d.cutoff.astimezone(now.tzinfo):%Y/%m/%d} より前）: {d.count}件")
            for example in d.examples if args.dry_run else ():
                print(f"    {example}")
        if args.dry_run:
            await ctx.guard.record(
                ctx.actor, "maintenance.purge", None, "dry run: " + ", ".join(f"{d.kind}={d.count}" for d in due)
            )
        else:
            await purge_now(ctx.stores, policy, clock, actor=ctx.actor)
        return OK
    finally:
        await ctx.close()
