"""``madoguchi line``: serve the LINE webhook.

Lives here: ``COMMAND``, ``add_parser`` and ``run``, the hook ``bot.cli`` looks for.
Options: ``--host``, ``--port``, ``--path``, ``--workers``, ``--push-fallback`` (also
``LINE_PUSH_FALLBACK=1``), plus the shared ``--db``/``--knowledge``/``--shops``/``--demo``.
The channel secret and access token come from ``LINE_CHANNEL_SECRET`` and
``LINE_CHANNEL_ACCESS_TOKEN``; ``LINE_API_BASE_URL`` points the client elsewhere
(a local test double). While it serves, the broadcast ``Scheduler`` sends scheduled
broadcasts and class reminders through ``bot.channels.line.sender`` and through the other
channels configured in this environment (``TELEGRAM_BOT_TOKEN`` set: Telegram's too), and
a refused edit of the shop listing is told to the support staff of ``$MADOGUCHI_STAFF``
(``bot.staff.notify``); the retention purge runs daily (``App.keep_tidy``); all stop cleanly on shutdown. Importing this module loads neither linebot nor aiohttp:
``run`` does, when the command is chosen. Reads the environment; through ``open_app``
and ``server.serve``, the data files, the database and the network.
"""

from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger(__name__)

COMMAND = "line"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        COMMAND,
        parents=[common],
        help="serve the LINE webhook (secrets from LINE_CHANNEL_SECRET / LINE_CHANNEL_ACCESS_TOKEN)",
        description="Serve the LINE Messaging API webhook. See docs/line.md.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, behind a proxy)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080; 0 picks a free one)")
    parser.add_argument("--path", default="/callback", help="webhook path (default: /callback)")
    parser.add_argument("--workers", type=int, default=8, help="events handled side by side (default: 8)")
    parser.add_argument(
        "--push-fallback",
        action="store_true",
        default=None,
        help="push the answer when a reply token has expired (pushes count against the monthly quota; "
        "default: $LINE_PUSH_FALLBACK or off)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sqlite3

    from bot import config as bot_config
    from bot.channels.line.config import LineConfig, MissingSetting

    try:
        config = LineConfig.from_env(push_fallback=args.push_fallback)
    except MissingSetting as exc:
        sys.stderr.write(f"madoguchi line: {exc}\n")
        return 2
    if not args.path.startswith("/") or not 0 <= args.port <= 65535 or args.workers < 1:
        sys.stderr.write("madoguchi line: --path must start with /, --port be 0..65535, --workers at least 1\n")
        return 2
    try:
        return asyncio.run(_main(args, config))
    except sqlite3.Error as exc:
        sys.stderr.write(
            f"データベースを開けません / cannot open the database {args.db or bot_config.db_path()}: {exc}\n"
        )
        return 2
    except OSError as exc:  # the port is taken, the address is not ours …
        sys.stderr.write(f"madoguchi line: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 0


SCHEDULER_STOP_TIMEOUT = 15.0  # seconds a running broadcast gets to pause cleanly on shutdown


def _staff(args: argparse.Namespace):
    from bot.commands.common import staff_file
    from bot.data.yaml_lines import DataError
    from bot.staff.roles import StaffDirectory

    try:
        return StaffDirectory.load(staff_file(args))
    except DataError as exc:  # the webhook still serves; nobody is told of refused listings
        sys.stderr.write(
            "madoguchi line: staff file ignored / invalid staff file:\n" + "".join(f"  {p}\n" for p in exc.problems)
        )
        return StaffDirectory([])


async def _main(args: argparse.Namespace, config) -> int:
    import asyncio

    from bot.app import open_app
    from bot.broadcast.scheduler import Scheduler
    from bot.broadcast.senders import open_senders
    from bot.channels.line.sender import sender_for
    from bot.channels.line.server import serve
    from bot.staff.notify import support_notifier
    from bot.store.audit import AuditLog

    bot = await open_app(args.db, args.knowledge, args.shops, demo=args.demo)
    sender = sender_for(config)
    stop = asyncio.Event()
    scheduler = None
    others = None
    try:
        # LINE's sender, and every other channel configured here (a scheduled broadcast
        # may have Telegram subscribers too).
        others = await open_senders(args, have={"line": sender})
        senders = others.senders
        log.info("scheduled broadcasts and reminders reach: %s", others.summary())
        # Scheduled broadcasts, orphaned ones and class reminders go out while the webhook serves;
        # a refused edit of the shop listing is told to the support staff on LINE.
        bot.watch_shops(
            on_error=support_notifier(_staff(args), senders, AuditLog(bot.db), current=lambda: len(bot.shops))
        )
        scheduler = asyncio.create_task(Scheduler(bot.stores, senders, knowledge=bot.knowledge).run(stop))
        bot.keep_tidy()  # the retention purge, now and daily (stopped by bot.close)
        await serve(bot, config, args.host, args.port, path=args.path, workers=args.workers)
    finally:
        stop.set()  # a broadcast being sent is paused; the next start resumes it
        if scheduler is not None:
            try:
                await asyncio.wait_for(asyncio.shield(scheduler), SCHEDULER_STOP_TIMEOUT)
            except TimeoutError:
                scheduler.cancel()
                await asyncio.gather(scheduler, return_exceptions=True)
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
        if others is not None:
            await others.close()
        await sender.close()
        await bot.close()
    return 0
