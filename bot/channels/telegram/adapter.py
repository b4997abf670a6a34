"""Translating between Telegram and the core, both ways.

Lives here: the keys (``telegram:<chat id>`` for a conversation, ``telegram:<user id>``
for a staff identity), ``incoming`` (a Telegram message → ``IncomingMessage``, or None for
stickers, photos, voice and the like), ``addressed`` (whether a group message is meant for
the bot), ``resolve_city`` (a typed municipality name → its official name) and ``Sender``,
which renders replies and sends them: a resident who blocked the bot (``Forbidden``) is
marked blocked in the ``ResidentStore`` so broadcasts skip them, and a message Telegram
refuses (``BadRequest``) is sent again as plain text so the resident still gets an answer.
Touches the Bot API through the given bot and the residents' blocked flag.
"""

from __future__ import annotations

import logging
import re
from enum import Enum
from functools import lru_cache

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.channels.telegram.rendering import CallbackData, TextOut, VenueOut, render
from bot.channels.telegram.secrecy import redact
from bot.data.knowledge import Knowledge
from bot.messages import IncomingMessage, Location, Reply
from bot.store.residents import ResidentStore

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PRIVATE = ChatType.PRIVATE


def user_key(chat_id: int | str) -> str:
    return f"{CHANNEL}:{chat_id}"


def chat_of(key: str) -> int | None:
    prefix, _, rest = key.partition(":")
    if prefix != CHANNEL:
        return None
    try:
        return int(rest)
    except ValueError:
        return None


def staff_identity(user_id: int) -> str:
    return f"{CHANNEL}:{user_id}"


@lru_cache(maxsize=8)
def _mention_pattern(username: str | None) -> re.Pattern | None:
    return re.compile(rf"@{re.escape(username)}\b", re.I) if username else None


def addressed(message: Message, username: str | None, bot_id: int) -> bool:
    """In a group: a mention of the bot, a reply to the bot, or a command (Telegram sends
    commands to every bot; ``/cmd@otherbot`` is filtered out by the command handlers)."""
    reply_to = message.reply_to_message
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
        return True
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    for entity in entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            command = text[: entity.length]
            return "@" not in command or bool(username and command.lower().endswith("@" + username.lower()))
        if entity.type == MessageEntityType.MENTION and username:
            if text[entity.offset : entity.offset + entity.length].lower() == "@" + username.lower():
                return True
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
    return False


def strip_mention(text: str, username: str | None) -> str:
    pattern = _mention_pattern(username)
    return pattern.sub(" ", text).strip() if pattern else text


def incoming(
    message: Message, key: str, username: str | None = None, lang: str | None = None
) -> IncomingMessage | None:
    """The core's view of a message: text, or a shared location (a venue is a location);
    None for what the bot cannot read (stickers, photos, voice, documents …)."""
    if message.text is not None:
        return IncomingMessage(key, text=strip_mention(message.text, username), lang=lang)
    location = message.venue.location if message.venue else message.location
    if location is not None:
        return IncomingMessage(key, location=Location(location.latitude, location.longitude), lang=lang)
    return None


def _fold(text: str) -> str:
    return re.sub(r"[\s\-_・]", "", text).casefold()


def resolve_city(knowledge: Knowledge, typed: str | None) -> str | None:
    """A municipality's official name from what staff or a resident typed: the official
    name, its short form (宇部), kana, romaji or English name."""
    if not typed:
        return None
    wanted = _fold(typed)
    for m in knowledge.municipalities.municipalities:
        names = [m.name, m.short, m.kana, m.short_kana, m.romaji, m.name_en, *m.romaji_aliases]
        if wanted in {_fold(n) for n in names if n}:
            return m.name
    return None


class Outcome(Enum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Sender:
    """Sends rendered replies to one chat at a time."""

    def __init__(self, bot: Bot, residents: ResidentStore, callback: CallbackData):
        self.bot = bot
        self.residents = residents
        self.callback = callback
        self.sent = 0

    async def replies(
        self,
        chat_id: int,
        replies: list[Reply],
        reply_to: int | None = None,
        rate_limit_args: dict | None = None,
    ) -> Outcome:
        """Send every reply in order; stop at the first failure."""
        for reply in replies:
            for out in render(reply, self.callback):
                outcome = await self._one(chat_id, out, reply_to, rate_limit_args)
                reply_to = None  # only the first message quotes the question (groups)
                if outcome is not Outcome.SENT:
                    return outcome
        return Outcome.SENT

    async def text(self, chat_id: int, text: str, rate_limit_args: dict | None = None) -> Outcome:
        return await self.replies(chat_id, [Reply(text)], rate_limit_args=rate_limit_args)

    async def _one(self, chat_id: int, out: TextOut | VenueOut, reply_to: int | None, rl: dict | None) -> Outcome:
        extra = {"rate_limit_args": rl} if rl else {}
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            try:
                if isinstance(out, VenueOut):
                    p = out.place
                    await self.bot.send_venue(chat_id, p.lat, p.lon, p.title, p.address, **extra)
                else:
                    await self.bot.send_message(
                        chat_id, out.text, reply_markup=out.markup, reply_parameters=quote, **extra
                    )
            except BadRequest as exc:
                if isinstance(out, VenueOut) or out.markup is None:
                    raise
                # Telegram refused the keyboard (a URL it does not accept …): the words still go.
                log.error("Telegram refused a message with buttons (%s); sending the text alone", redact(exc))
                await self.bot.send_message(chat_id, out.text, **extra)
        except Forbidden as exc:
            log.info("chat %s has blocked the bot or left (%s); marked blocked", chat_id, redact(exc))
            await self.residents.set_blocked(user_key(chat_id), True)
            return Outcome.BLOCKED
        except ChatMigrated as exc:
            log.warning("chat %s became supergroup %s; message not delivered", chat_id, exc.new_chat_id)
            return Outcome.FAILED
        except TelegramError as exc:
            log.error("could not send to chat %s: %s", chat_id, redact(exc))
            return Outcome.FAILED
        self.sent += 1
        return Outcome.SENT
