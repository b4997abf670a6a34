"""``madoguchi broadcast``: send class news to a municipality's subscribers, safely.

Lives here: ``add_parser`` and ``run``.

    madoguchi broadcast --city 宇部市 --text "…"        # or --text-file F, or --digest
    madoguchi broadcast --city 宇部市 --digest --at "2026-12-01 10:00"   # scheduled
    madoguchi broadcast --resume 12 [--retry-failed]  # after a crash, Ctrl-C or failures
    madoguchi broadcast --list | --status 12 | --cancel 12
    madoguchi broadcast --due                         # from cron: scheduled ones, reminders

A new broadcast shows its preview (the exact text, the recipients per channel, channels
that cannot deliver here) and asks for an explicit 「はい」/yes (``--yes`` in scripts).
It is delivered from this process through the configured channels' senders (see
``bot.broadcast.senders``; ``--sender module:factory`` adds one) with a progress bar on
stderr, and ends with the report: sent, failed, blocked. Ctrl-C (or SIGTERM) stops it
cleanly; a ``kill -9`` loses nothing either: ``--resume`` continues from the database.
Exit status: 0 all delivered (or blocked), 1 something failed or is left, 2 usage,
3 not permitted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import BAD, OK, UsageError, open_context, run_staff, staff_options

if TYPE_CHECKING:
    from bot.broadcast.engine import BroadcastEngine
    from bot.broadcast.service import BroadcastService

COMMAND = "broadcast"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        COMMAND,
        parents=[common, staff_options()],
        help="send class news to subscribers (preview, confirm, report)",
        description="Broadcast to the residents subscribed to a municipality's class news.",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--text", help="the message")
    what.add_argument("--text-file", help="the message, from a UTF-8 file")
    what.add_argument("--digest", action="store_true", help="a digest of the municipality's upcoming classes")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--resume", type=int, metavar="ID", help="continue a broadcast (after a crash or Ctrl-C)")
    action.add_argument("--list", action="store_true", help="recent broadcasts")
    action.add_argument("--status", type=int, metavar="ID", help="one broadcast's deliveries")
    action.add_argument("--cancel", type=int, metavar="ID", help="cancel a broadcast that has not started")
    action.add_argument("--due", action="store_true", help="send what is due now: scheduled broadcasts, reminders")
    parser.add_argument("--city", help="the municipality whose subscribers receive it")
    parser.add_argument("--days", type=int, default=14, help="--digest: how many days ahead (default 14)")
    parser.add_argument("--at", help='send later, e.g. "2026-12-01 10:00" (Japan time)')
    parser.add_argument("--channel", action="append", help="only these channels (telegram, line, console)")
    parser.add_argument("--retry-failed", action="store_true", help="--resume: also send the failed deliveries again")
    parser.add_argument("--yes", action="store_true", help="do not ask for a confirm (scripts)")
    parser.add_argument(
        "--sender",
        action="append",
        metavar="MODULE:FACTORY",
        help="add a sender from a plug-in factory (tests, integrations)",
    )
    parser.add_argument("--outbox", help="write console: deliveries here (default: standard output)")
    parser.add_argument("--rate", type=float, help="messages a second for senders that take it from the options")
    return parser


def run(args: argparse.Namespace) -> int:
    return run_staff(lambda: _main(args), args)


def _when(text: str) -> datetime:
    from bot.clock import TOKYO

    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=TOKYO)
        except ValueError:
            continue
    raise UsageError(f'--at は "2026-12-01 10:00" のように書いてください（日本時間）: {text!r}')


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    return stop


async def _main(args: argparse.Namespace) -> int:
    # The engine loads only when the command runs, so that ``madoguchi chat`` starts faster.
    from bot.broadcast.engine import BroadcastBusy, BroadcastEngine
    from bot.broadcast.senders import SenderUnavailable, open_senders
    from bot.broadcast.service import BroadcastRefused, BroadcastService

    ctx = await open_context(args)
    outbox = open(args.outbox, "a", encoding="utf-8") if args.outbox else None
    senders = None
    try:
        service = BroadcastService(ctx.stores, ctx.knowledge, ctx.guard)
        if args.list:
            return await _list(service, ctx.actor)
        if args.status is not None:
            return await _status(service, ctx, args.status)
        if args.cancel is not None:
            ok = await service.cancel(ctx.actor, args.cancel)
            print(
                f"配信 #{args.cancel} を取り消しました。"
                if ok
                else f"配信 #{args.cancel} はもう始まっているか、終わっています。"
            )
            return OK if ok else BAD
        try:
            senders = await open_senders(args, args.sender, outbox)
        except SenderUnavailable as exc:
            raise UsageError(f"--sender を読み込めません: {exc}") from None
        for channel, reason in senders.unavailable.items():
            sys.stderr.write(f"（{channel}: {reason}）\n")
        engine = BroadcastEngine(ctx.stores, senders.senders, progress=None)
        if args.due:
            return await _due(ctx, engine, senders.senders)
        if args.resume is not None:
            return await _resume(args, service, ctx, engine)
        return await _new(args, service, ctx, engine, senders.senders)
    except BroadcastRefused as exc:
        sys.stderr.write(f"配信できません: {exc}\n")
        return BAD
    except BroadcastBusy as exc:
        sys.stderr.write(f"配信できません: 別のプロセスが送信中です（{exc}）\n")
        return BAD
    finally:
        if senders is not None:
            await senders.close()
        if outbox is not None:
            outbox.close()
        await ctx.close()


async def _deliver(
    args, service: BroadcastService, ctx, engine: BroadcastEngine, broadcast_id: int, retry_failed=False
) -> int:
    from bot.broadcast.texts import report_text
    from bot.commands.progress import ProgressBar

    bar = ProgressBar()
    engine.progress = bar.update
    stop = _stop_on_signals()
    try:
        report = await service.send(ctx.actor, broadcast_id, engine, stop=stop, retry_failed=retry_failed)
    finally:
        bar.close()
    print(report_text(ctx.knowledge, report))
    if stop.is_set() and not report.finished:
        print(f"中断しました。続きは: madoguchi broadcast --resume {broadcast_id}")
    return OK if report.finished and report.failed == 0 else BAD


async def _new(args, service: BroadcastService, ctx, engine: BroadcastEngine, senders) -> int:
    from bot.broadcast.texts import preview_text
    from bot.commands.progress import confirm

    if not args.city:
        raise UsageError("--city で配信先の市町を指定してください（例: --city 宇部市）")
    if not (args.text or args.text_file or args.digest):
        raise UsageError("本文を --text、--text-file か --digest で指定してください")
    text = args.text
    if args.text_file:
        try:
            text = Path(args.text_file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"本文のファイルを読めません: {args.text_file}: {exc}") from None
    send_at = _when(args.at) if args.at else None
    preview = await service.preview(
        ctx.actor,
        args.city,
        text=text,
        digest=args.digest,
        channels=args.channel,
        send_at=send_at,
        senders=senders,
        days=args.days,
    )
    print(preview_text(ctx.knowledge, preview))
    sys.stdout.flush()
    if not args.yes:
        question = (
            f"{preview.send_at:%Y/%m/%d %H:%M} に送るよう予約しますか？"
            if send_at
            else f"この内容を {preview.total}人に送信しますか？"
        )
        if not confirm(question):
            print("取りやめました。何も送っていません。")
            await ctx.guard.record(ctx.actor, "broadcast.confirm", args.city, "declined")
            return BAD
    broadcast_id = await service.confirm(preview)
    if send_at:
        print(
            f"配信 #{broadcast_id} を {send_at:%Y/%m/%d %H:%M} に予約しました。"
            "送信は動いているボットか madoguchi broadcast --due（cron）が行います。"
        )
        return OK
    return await _deliver(args, service, ctx, engine, broadcast_id)


async def _resume(args, service: BroadcastService, ctx, engine: BroadcastEngine) -> int:
    from bot.broadcast.service import BroadcastRefused
    from bot.commands.progress import confirm

    store = ctx.stores.broadcasts
    row = await store.get(args.resume)
    if row is None:
        raise BroadcastRefused(f"配信 #{args.resume} はありません")
    counts = await store.counts(args.resume)
    from bot.staff.words import broadcast_status

    print(
        f"配信 #{row.id}（{row.municipality}、{broadcast_status(row.status)}）: 送信済み {counts['sent']}、未送信 {counts['pending']}、"
        f"送信中だった {counts['in_flight']}、失敗 {counts['failed']}、ブロック {counts['blocked']}"
    )
    if not args.yes and not confirm("続きを送信しますか？"):
        print("取りやめました。")
        return BAD
    return await _deliver(args, service, ctx, engine, args.resume, retry_failed=args.retry_failed)


async def _list(service: BroadcastService, actor: str) -> int:
    from bot.clock import TOKYO
    from bot.staff.words import broadcast_kind, broadcast_status, tokyo_time

    rows = await service.visible(actor)
    if not rows:
        print("配信はまだありません。")
    store = service.store
    for r in rows:
        counts = await store.counts(r.id)
        when = f" 予約 {r.send_at.astimezone(TOKYO):%Y/%m/%d %H:%M}" if r.send_at else ""
        first = r.text.splitlines()[0][:30] if r.text else ""
        print(
            f"#{r.id} {broadcast_status(r.status)} {r.municipality} {broadcast_kind(r.kind)}{when} "
            f"作成 {tokyo_time(r.created_at)} {r.created_by}  "
            f"送信 {counts['sent']} 失敗 {counts['failed']} ブロック {counts['blocked']} 未送信 "
            f"{counts['pending'] + counts['in_flight']}  「{first}」"
        )
    return OK


async def _status(service: BroadcastService, ctx, broadcast_id: int) -> int:
    from bot.clock import TOKYO
    from bot.staff.words import broadcast_kind, broadcast_status, delivery_status, tokyo_time

    row = await service._own(ctx.actor, broadcast_id, "broadcast.status")
    store = service.store
    counts = await store.counts(broadcast_id)
    print(
        f"配信 #{row.id}: {row.municipality}、{broadcast_kind(row.kind)}、{broadcast_status(row.status)}、"
        f"作成 {tokyo_time(row.created_at)} {row.created_by}"
    )
    if row.send_at:
        print(f"予約: {row.send_at.astimezone(TOKYO):%Y/%m/%d %H:%M}")
    print("  ".join(f"{delivery_status(k)} {v}" for k, v in counts.items()))
    for error, n in await store.errors(broadcast_id, limit=10):
        print(f"  失敗 {n}件: {error}")
    print("──── 本文 ────\n" + row.text)
    return OK


async def _due(ctx, engine: BroadcastEngine, senders) -> int:
    from bot.broadcast.scheduler import Scheduler
    from bot.broadcast.texts import report_text

    await ctx.guard.require(ctx.actor, "broadcast", name="broadcast.due")
    scope = ctx.guard.scope(ctx.actor)
    scheduler = Scheduler(
        ctx.stores, senders, engine=engine, scope=lambda city: scope is None or city in scope, knowledge=ctx.knowledge
    )
    tick = await scheduler.tick(_stop_on_signals())
    for report in tick.reports:
        print(report_text(ctx.knowledge, report))
    for broadcast_id in tick.busy:
        print(f"配信 #{broadcast_id} は別のプロセスが送信中です。")
    if tick.reminders:
        print("講座のお知らせ: " + "、".join(f"{k} {v}" for k, v in sorted(tick.reminders.items())))
    if not tick.reports and not tick.reminders:
        print("いま送るものはありません。")
    await ctx.guard.record(
        ctx.actor, "broadcast.due", None, f"{len(tick.reports)} broadcasts, reminders {tick.reminders}"
    )
    return OK if all(r.finished and not r.failed for r in tick.reports) else BAD
