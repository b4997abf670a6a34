"""``madoguchi web``: the staff web console and the resident web chat, on one aiohttp server.

Lives here: ``add_parser``, ``run`` and ``open_console``. Options as elsewhere (``--db``,
``--knowledge``, ``--shops``, ``--staff``) plus ``--host``/``--port``, ``--idle-minutes``
(inactivity before a session ends), ``--sender`` (plug-in senders, as ``madoguchi broadcast``)
and ``--no-scheduler``. Broadcasts are delivered through the channels configured in the
environment (``bot.broadcast.senders``); scheduled ones and reminders by the scheduler
this process runs (unless ``--no-scheduler``: then by the bot or ``broadcast --due``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from bot import config
from bot.commands.common import STAFF_ENV, USAGE, staff_file

COMMAND = "web"
log = logging.getLogger(__name__)


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(COMMAND, parents=[common], help="the staff web console and the resident web chat")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port (default 8090)")
    parser.add_argument("--staff", dest="staff_file", metavar="FILE", help=f"staff roles file (default: ${STAFF_ENV})")
    parser.add_argument("--idle-minutes", type=float, default=30.0, help="log out after this many idle minutes")
    parser.add_argument(
        "--sender", action="append", metavar="MODULE:FACTORY", help="add a sender (tests, integrations)"
    )
    parser.add_argument("--outbox", help="write console: deliveries here (default: standard output)")
    parser.add_argument("--rate", type=float, help="messages a second for senders that take it from the options")
    parser.add_argument("--no-scheduler", action="store_true", help="do not send scheduled broadcasts from here")
    return parser


async def open_console(args: argparse.Namespace, senders=None, clock=None):
    """The bot, the staff directory and the senders, as a ``Console``."""
    from bot.app import open_app
    from bot.broadcast.senders import open_senders
    from bot.clock import SystemClock
    from bot.staff.roles import StaffDirectory
    from bot.web.console import Console

    path = staff_file(args)
    staff = StaffDirectory.load(path)
    clock = clock or SystemClock()
    bot = await open_app(args.db, args.knowledge, args.shops, demo=args.demo, clock=clock)
    if senders is None:
        outbox = open(args.outbox, "a", encoding="utf-8") if getattr(args, "outbox", None) else None
        senders = await open_senders(args, getattr(args, "sender", None), outbox)
    return Console(bot, staff, senders, clock, idle=float(getattr(args, "idle_minutes", 30.0)) * 60)


async def _serve(args: argparse.Namespace) -> int:
    from bot.broadcast.scheduler import Scheduler
    from bot.channels.http import HttpSite
    from bot.web.server import make_app

    console = await open_console(args)
    stop = asyncio.Event()
    scheduler = None
    if not args.no_scheduler:
        scheduler = asyncio.create_task(
            Scheduler(
                console.stores, console.senders.senders, engine=console.runs.engine, knowledge=console.knowledge
            ).run(stop)
        )

        async def halt_scheduler() -> None:  # the emergency stop: no scheduled send starts from here any more
            stop.set()
            await asyncio.gather(scheduler, return_exceptions=True)

        console.halt_hooks.append(halt_scheduler)
    site = HttpSite(make_app(console), args.host, args.port, access_log_format='%a "%r" %s %b %Tfs')
    host, port = await site.start()  # the port actually bound (``--port 0``: any free one)
    print(
        f"madoguchi web: http://{host}:{port}/ （管理画面） /chat （Webチャット）; 配信: {console.senders.summary()}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        stop.set()
        if scheduler is not None:
            await asyncio.gather(scheduler, return_exceptions=True)
        await site.stop()
        await console.senders.close()
        await console.bot.close()
    return 0


def run(args: argparse.Namespace) -> int:
    import sys

    from bot.store.backend import database_errors, shown

    if staff_file(args) and not os.path.exists(staff_file(args)):
        sys.stderr.write(f"担当者ファイルがありません: {staff_file(args)}\n")
        return USAGE
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0
    except database_errors() as exc:
        sys.stderr.write(f"データベースを使えません / database error {shown(args.db or config.db_path())}: {exc}\n")
        return USAGE
