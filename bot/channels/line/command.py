"""``madoguchi line``: serve the LINE webhook inside ``bot.runtime``.

Lives here: ``COMMAND``, ``add_parser`` and ``run``. Options: ``--host``, ``--port``,
``--path``, ``--workers``, ``--push-fallback`` (or ``LINE_PUSH_FALLBACK=1``) and the shared
ones. Secrets come from ``LINE_CHANNEL_SECRET`` and ``LINE_CHANNEL_ACCESS_TOKEN``;
``LINE_API_BASE_URL`` points the client at a test double. Imports linebot and aiohttp only
in ``run``. Reads the environment; through the runtime, the data, database and network.
"""

from __future__ import annotations

import argparse
import sys

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
    from bot.channels.line.config import LineConfig, MissingSetting

    try:
        config = LineConfig.from_env(push_fallback=args.push_fallback)
    except MissingSetting as exc:
        sys.stderr.write(f"madoguchi line: {exc}\n")
        return 2
    if not args.path.startswith("/") or not 0 <= args.port <= 65535 or args.workers < 1:
        sys.stderr.write("madoguchi line: --path must start with /, --port be 0..65535, --workers at least 1\n")
        return 2
    from bot import runtime

    return runtime.main(COMMAND, _main(args, config), args.db)


async def _main(args: argparse.Namespace, config, stop=None) -> int:
    from bot import runtime
    from bot.app import open_app
    from bot.channels.line.sender import sender_for
    from bot.channels.line.server import LineService
    from bot.commands.common import staff_file

    bot = await open_app(args.db, args.knowledge, args.shops, demo=args.demo)
    try:
        service = LineService(bot, config, args.host, args.port, args.path, args.workers, sender_for(config))
        staff = runtime.staff_or_nobody(staff_file(args), COMMAND)
        await runtime.run(bot, service, staff, options=args, stop=stop)
    finally:
        await bot.close()
    return 0
