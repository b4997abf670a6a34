"""Telegram delivery for the broadcast engine (``bot.broadcast``; found through the
channel registry): ``TelegramSender`` and ``make_sender(options)``.

One recipient a call, at most ``rate_per_s`` calls a second (25, never above 30) and one
message a second per chat; the engine paces and retries. Results: SENT; BLOCKED on
``Forbidden``; RETRY on ``RetryAfter`` and network errors; FAILED on ``BadRequest`` and other
refusals. The running bot's /broadcast and scheduler use the same class on its own ``Bot``.
A text over 4,096 units goes as several messages. The token is scrubbed from logs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.broadcast.sender import Result
from bot.broadcast.senders import SenderUnavailable
from bot.channels.telegram.adapter import chat_of
from bot.channels.telegram.ratelimiter import TelegramLimiter, retry_after_seconds
from bot.channels.telegram.rendering import MAX_TEXT
from bot.channels.telegram.settings import Limits, SettingsError, TelegramSettings, credentials
from bot.delivery.redaction import protect_logs, redact
from bot.delivery.text import split_text

RATE = 25.0
CEILING = 30.0
PER_CHAT = {"burst": 1}  # rate_limit_args: one message a second to a chat, parts included


class TelegramSender:
    channel = "telegram"
    max_batch = 1
    per_recipient_interval = 1.0
    concurrency = 8

    def __init__(
        self,
        bot: ExtBot,
        rate_per_s: float = RATE,
        rate_limit_args: Mapping[str, Any] | None = None,
        concurrency: int | None = None,
    ):
        self.bot = bot
        self.rate_per_s = min(rate_per_s, CEILING)
        self.rate_limit_args = dict(rate_limit_args or PER_CHAT)
        if concurrency is not None:
            self.concurrency = concurrency

    async def send(self, user_keys: list[str], text: str, *, key: str) -> Mapping[str, Result]:
        return {user_key: await self._one(user_key, text) for user_key in user_keys}

    async def _one(self, user_key: str, text: str) -> Result:
        chat_id = chat_of(user_key)
        if chat_id is None:
            return Result.failed(f"not a Telegram chat: {user_key}")
        try:
            for part in split_text(text, MAX_TEXT):
                await self.bot.send_message(chat_id, part, rate_limit_args=self.rate_limit_args)
        except Forbidden as exc:
            return Result.blocked(redact(exc))
        except RetryAfter as exc:
            return Result.retry(redact(exc), retry_after=retry_after_seconds(exc))
        except BadRequest as exc:
            return Result.failed(redact(exc))
        except NetworkError as exc:  # TimedOut included
            return Result.retry(redact(exc))
        except TelegramError as exc:
            return Result.failed(redact(exc))
        return Result.sent()

    async def close(self) -> None:
        await self.bot.shutdown()


async def make_sender(options: Any, env: Mapping[str, str] | None = None) -> TelegramSender:
    try:
        token, base = credentials(os.environ if env is None else env)
    except SettingsError as exc:  # never quotes the token
        raise SenderUnavailable(str(exc)) from None
    protect_logs(token)
    settings = TelegramSettings(token=token, api_base_url=base)
    limiter = TelegramLimiter(Limits(overall_per_second=int(CEILING), max_retries=0))
    bot = ExtBot(
        token,
        base_url=settings.bot_base_url,
        base_file_url=settings.file_base_url,
        rate_limiter=limiter,
        request=getattr(options, "telegram_request", None),
    )
    try:
        await bot.initialize()
    except TelegramError as exc:
        raise SenderUnavailable(f"Telegram に接続できません: {redact(exc)}") from None
    return TelegramSender(bot, float(getattr(options, "rate", None) or RATE))
