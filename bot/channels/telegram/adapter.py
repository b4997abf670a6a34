"""Translating between Telegram and the core, both ways.

Lives here: the keys (``telegram:<chat id>``; staff ``telegram:<user id>``), ``incoming``
(a message → text, location or ``UNSUPPORTED``), ``addressed`` (a group message meant for the
bot) and ``Sender`` (renders and sends; the ``Result`` is ``BLOCKED`` on ``Forbidden`` — the
caller tells the core — and a refused keyboard is sent again as plain text).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from telegram import Bot, Message, ReplyParameters
from telegram.constants import MessageEntityType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot import messages
from bot.channels.telegram.rendering import CallbackData, TextOut, render
from bot.delivery.outcome import Result
from bot.delivery.redaction import redact
from bot.messages import IncomingMessage, Kind, Location, Reply, platform_id

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def user_key(chat_id: int | str) -> str:
    return messages.user_key(CHANNEL, str(chat_id))


def chat_of(key: str) -> int | None:
    """The chat id in a Telegram user key; None for another channel's key or a damaged one."""
    found = platform_id(key, CHANNEL) or ""
    return int(found) if found.removeprefix("-").isdigit() else None


staff_identity = user_key  # a staff member is ``telegram:<user id>``


@lru_cache(maxsize=8)
def _mention_pattern(username: str | None) -> re.Pattern | None:
    return re.compile(rf"@{re.escape(username)}\b", re.I) if username else None


def _is_command_for(command: str, username: str | None) -> bool:
    return "@" not in command or bool(username and command.lower().endswith("@" + username.lower()))


def addressed(message: Message, username: str | None, bot_id: int) -> bool:
    """In a group: a mention of the bot, a reply to the bot, or a command (Telegram sends
    commands to every bot; ``/cmd@otherbot`` is filtered out by the command handlers)."""
    reply_to = message.reply_to_message
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
        return True
    text = message.text or message.caption or ""
    mention = "@" + (username or "").lower()
    for entity in message.entities or message.caption_entities or ():
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            return _is_command_for(text[: entity.length], username)
        said = text[entity.offset : entity.offset + entity.length].lower()
        if entity.type == MessageEntityType.MENTION and username and said == mention:
            return True
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
    return False


def strip_mention(text: str, username: str | None) -> str:
    pattern = _mention_pattern(username)
    return pattern.sub(" ", text).strip() if pattern else text


def incoming(message: Message, key: str, username: str | None = None) -> IncomingMessage:
    """The core's view of a message: text, a shared location (a venue is a location), or
    ``UNSUPPORTED`` for what the bot cannot read (stickers, photos, voice, documents …)."""
    if message.text is not None:
        return IncomingMessage(key, text=strip_mention(message.text, username))
    location = message.venue.location if message.venue else message.location
    if location is not None:
        return IncomingMessage(key, location=Location(location.latitude, location.longitude))
    return IncomingMessage(key, kind=Kind.UNSUPPORTED)


class Sender:
    """Sends rendered replies to one chat at a time."""

    def __init__(self, bot: Bot, callback: CallbackData):
        self.bot = bot
        self.callback = callback
        self.sent = 0

    async def replies(self, chat_id: int, replies: list[Reply], reply_to: int | None = None) -> Result:
        """Send every reply in order; stop at the first failure."""
        for reply in replies:
            for out in render(reply, self.callback):
                result = await self._one(chat_id, out, reply_to)
                reply_to = None  # only the first message quotes the question (groups)
                if result != Result.sent():
                    return result
        return Result.sent()

    async def _send(self, chat_id: int, out: TextOut, reply_to: int | None) -> None:
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            await self.bot.send_message(chat_id, out.text, reply_markup=out.markup, reply_parameters=quote)
        except BadRequest as exc:
            if out.markup is None:
                raise
            # Telegram refused the keyboard (a URL it does not accept …): the words still go.
            log.error("Telegram refused a message with buttons (%s); sending the text alone", redact(exc))
            await self.bot.send_message(chat_id, out.text)

    async def _one(self, chat_id: int, out: TextOut, reply_to: int | None) -> Result:
        try:
            await self._send(chat_id, out, reply_to)
        except Forbidden as exc:
            log.info("chat %s has blocked the bot or left (%s)", chat_id, redact(exc))
            return Result.blocked(redact(exc))
        except ChatMigrated as exc:
            log.warning("chat %s became supergroup %s; message not delivered", chat_id, exc.new_chat_id)
            return Result.failed("chat migrated")
        except TelegramError as exc:
            log.error("could not send to chat %s: %s", chat_id, redact(exc))
            return Result.failed(redact(exc))
        self.sent += 1
        return Result.sent()
