"""``madoguchi line``: serve the LINE webhook.

Lives here: ``COMMAND``, ``add_parser`` and ``run``, the hook ``bot.cli`` looks for.
Options: ``--host``, ``--port``, ``--path``, ``--workers``, ``--push-fallback`` (also
``LINE_PUSH_FALLBACK=1``), plus the shared ``--db``/``--knowledge``/``--shops``/``--demo``.
The channel secret and access token come from ``LINE_CHANNEL_SECRET`` and
``LINE_CHANNEL_ACCESS_TOKEN``; ``LINE_API_BASE_URL`` points the client elsewhere
(a local test double). Around the webhook runs ``bot.runtime`` (the other channels'
senders, the scheduler, the shop watcher telling the support staff of ``$MADOGUCHI_STAFF``,
the retention purge, signals and an ordered shutdown), with LINE's own broadcast sender.
Importing this module loads neither linebot nor aiohttp:
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


async def _main(args: argparse.Namespace, config, stop=None) -> int:
    from bot import runtime
    from bot.app import open_app
    from bot.channels.line.sender import sender_for
    from bot.channels.line.server import LineService

    bot = await open_app(args.db, args.knowledge, args.shops, demo=args.demo)
    try:
        service = LineService(bot, config, args.host, args.port, args.path, args.workers, sender_for(config))
        await runtime.run(bot, service, _staff(args), options=args, stop=stop)
    finally:
        await bot.close()
    return 0
