"""``madoguchi telegram``: the channel's command (see ``bot.channels.registry``).

Lives here: ``COMMAND``, ``add_parser`` (``--webhook-url``, ``--listen``, ``--port``,
``--webhook-path``, ``--staff``, ``--drop-pending-updates``) and ``run``, which imports
python-telegram-bot only when it runs and registers the secrets for scrubbing first.
"""

from __future__ import annotations

import argparse
import logging
import sys

COMMAND = "telegram"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        COMMAND,
        parents=[common],
        help="run the Telegram bot (long polling; a webhook with --webhook-url)",
        description="Run Madoguchi on Telegram. The token comes from TELEGRAM_BOT_TOKEN; "
        "TELEGRAM_API_BASE_URL points at a self-hosted Bot API server.",
    )
    parser.add_argument(
        "--webhook-url",
        help="public HTTPS URL Telegram posts updates to (default: long polling; or $TELEGRAM_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--listen", default="127.0.0.1", help="address the webhook server listens on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port the webhook server listens on (default 8080)")
    parser.add_argument("--webhook-path", help="local path of the webhook (default: the path of --webhook-url)")
    parser.add_argument("--staff", help="staff roles file (default: $MADOGUCHI_STAFF; none: nobody is staff)")
    parser.add_argument(
        "--drop-pending-updates", action="store_true", help="skip the messages that arrived while the bot was down"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from bot.channels.telegram.settings import SettingsError, load_settings
    from bot.delivery.redaction import protect_logs, redact

    try:
        settings = load_settings(args)
    except SettingsError as exc:
        sys.stderr.write(f"madoguchi telegram: {exc}\n")
        return 2
    protect_logs(settings.token, settings.webhook_secret)
    logging.getLogger("bot.channels.telegram").setLevel(logging.INFO)  # say that it runs and what it refuses
    if not args.verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    from telegram.error import InvalidToken, TelegramError

    from bot import runtime
    from bot.channels.telegram.runner import serve

    try:
        return runtime.main(COMMAND, serve(settings, db=args.db, knowledge_dir=args.knowledge, demo=args.demo), args.db)
    except InvalidToken:
        sys.stderr.write(
            "madoguchi telegram: Telegram refused the token (TELEGRAM_BOT_TOKEN); check it with @BotFather\n"
        )
        return 2
    except TelegramError as exc:
        sys.stderr.write(f"madoguchi telegram: could not start: {redact(exc)}\n")
        return 1
