"""The resident-facing python-telegram-bot handlers, the gate before them, and the error handler.

Lives here: ``install`` (registers everything on an ``Application``, staff commands from
``staff`` included), the gate (group -1: drops edited messages and other bots, ignores a
group message not addressed to the bot, applies per-resident flood control), the commands
/start /menu /help /lang /subscribe /unsubscribe /forget (each becomes a core postback),
text, locations, button presses (answered at once so the spinner stops), messages the bot
cannot read (the core's "please type" reply), ``my_chat_member`` (blocked / unblocked,
added to a group) and the error handler (logs without secrets and keeps running).
Talks to the core only through ``Engine.handle`` and the stores of ``Channel``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram import staff
from bot.channels.telegram.adapter import addressed, incoming, resolve_city, user_key
from bot.channels.telegram.channel import Channel
from bot.channels.telegram.flood import Verdict
from bot.channels.telegram.secrecy import redact
from bot.channels.telegram.texts import command_list, t
from bot.messages import Button, IncomingMessage, Reply

log = logging.getLogger(__name__)

NEW = filters.UpdateType.MESSAGE  # new messages only: an edit is not a new question
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
LANG_WORDS = {
    "ja": {"ja", "jp", "japanese", "日本語", "にほんご", "にっぽんご"},
    "en": {"en", "english", "英語", "えいご"},
}


def channel(context: ContextTypes.DEFAULT_TYPE) -> Channel:
    return context.bot_data["channel"]


def language_from_code(code: str | None) -> str | None:
    """The reply language guessed from the Telegram app's language, for /start only.

    Telegram has no official Japanese interface, so many Japanese residents run it in
    English: ``en`` tells nothing. ``ja`` does, and so does any other language (a resident
    whose phone speaks Vietnamese or Portuguese reads English more easily than Japanese)."""
    if not code:
        return None
    code = code.lower()
    if code.startswith("ja"):
        return "ja"
    if code.startswith("en"):
        return None
    return "en"


# --- the gate ------------------------------------------------------------------------------


async def gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    ch.stats["updates"] += 1
    if not isinstance(update, Update) or update.my_chat_member is not None:
        return
    message, query = update.message, update.callback_query
    user, chat = update.effective_user, update.effective_chat
    if (message is None and query is None) or user is None or user.is_bot or chat is None:
        raise ApplicationHandlerStop  # edits, channel posts, other bots …
    if message is not None and chat.type != ChatType.PRIVATE:
        if chat.type not in GROUPS or not addressed(message, context.bot.username, context.bot.id):
            ch.stats["ignored"] += 1
            raise ApplicationHandlerStop
    if ch.flood is None:
        return
    verdict = ch.flood.check(user.id)
    if verdict is Verdict.PASS:
        return
    if query is not None:
        await _answer(query)
    if verdict is Verdict.NOTICE:
        ch.stats["flood"] += 1
        log.info("flood control: user %s sent too many messages; one notice, then silence", user.id)
        lang = await ch.language(user_key(chat.id))
        await ch.sender.text(chat.id, t(ch.app.knowledge, "flood", lang))
    raise ApplicationHandlerStop


# --- answering -------------------------------------------------------------------------


Adjust = Callable[[list[Reply]], Awaitable[list[Reply]]]


async def answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, msg: IncomingMessage, adjust: Adjust | None = None
) -> None:
    """Ask the core, then send its replies in order (one conversation at a time); ``adjust``
    may add the channel's own words or buttons to them first."""
    ch = channel(context)
    chat = update.effective_chat
    quote = update.message.message_id if update.message and chat.type != ChatType.PRIVATE else None
    async with ch.locks(msg.user):
        replies = await ch.app.engine.handle(msg)
        if adjust is not None:
            replies = await adjust(replies)
        await ch.sender.replies(chat.id, replies, reply_to=quote)
    ch.stats["replies"] += 1


def _postback(update: Update, data: str, lang: str | None = None) -> IncomingMessage:
    return IncomingMessage(user_key(update.effective_chat.id), postback=data, lang=lang)


def _argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    key = user_key(update.effective_chat.id)
    known = bool(await ch.conversations.load(key))
    lang = None if known else language_from_code(update.effective_user.language_code)

    async def offer_language(replies: list[Reply]) -> list[Reply]:
        # One tap to the other language on the greeting, for residents who read English.
        if replies:
            current = await ch.language(key)
            other = "en" if current == "ja" else "ja"
            label = ch.app.knowledge.text("button.english" if other == "en" else "button.japanese", current)
            replies[-1].buttons = [*replies[-1].buttons, Button(label, f"lang:{other}")]
        return replies

    await answer(update, context, _postback(update, "intent:greeting", lang), adjust=offer_language)


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer(update, context, _postback(update, "menu"))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    key = user_key(update.effective_chat.id)

    async def with_help(replies: list[Reply]) -> list[Reply]:
        lang = await ch.language(key)
        return [Reply(t(ch.app.knowledge, "help", lang, commands=command_list(ch.app.knowledge, lang))), *replies]

    await answer(update, context, _postback(update, "menu"), adjust=with_help)


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    wanted = _argument(context).casefold()
    for lang, words in LANG_WORDS.items():
        if wanted in words:
            await answer(update, context, _postback(update, f"lang:{lang}"))
            return
    ch = channel(context)
    chat_id = update.effective_chat.id
    lang = await ch.language(user_key(chat_id))
    knowledge = ch.app.knowledge
    buttons = [
        Button(knowledge.text("button.japanese", "ja"), "lang:ja"),
        Button(knowledge.text("button.english", "en"), "lang:en"),
    ]
    await ch.sender.replies(chat_id, [Reply(t(ch.app.knowledge, "lang_choose", lang), buttons=buttons)])


def _city(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The municipality named after a command, by name, or as the core understands it."""
    ch = channel(context)
    typed = _argument(context)
    if not typed:
        return None
    city = resolve_city(ch.app.knowledge, typed)
    if city is None:
        engine = ch.app.engine
        cities = engine.understanding.parse(typed, engine.clock().date()).cities
        city = cities[0] if cities else None
    return city


async def on_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    city = _city(context)
    await answer(update, context, _postback(update, f"sub:{city}" if city else "intent:subscribe"))


async def on_unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    city = _city(context)
    await answer(update, context, _postback(update, f"unsub:{city}" if city else "intent:unsubscribe"))


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer(update, context, _postback(update, "intent:forget"))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await on_help(update, context)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    key = user_key(update.effective_chat.id)
    await answer(update, context, incoming(update.message, key, context.bot.username))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await on_text(update, context)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, documents …: the core's gentle "please type" reply."""
    ch = channel(context)
    chat = update.effective_chat
    key = user_key(chat.id)
    readable = incoming(update.message, key, context.bot.username)
    if readable is not None:  # an empty text, which filters.TEXT does not take
        await answer(update, context, readable)
        return
    async with ch.locks(key):
        await ch.sender.replies(chat.id, await ch.unsupported(key))
    ch.stats["replies"] += 1


async def _answer(query) -> None:
    """Stop the button's spinner; a query too old to answer is no reason to fail."""
    try:
        await query.answer()
    except BadRequest as exc:
        log.info("could not answer a button press: %s", redact(exc))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    query = update.callback_query
    await _answer(query)
    if query.message is None:  # a button on an inline-mode message: not ours to answer
        return
    data = ch.callback.decode(query.data)
    if data.startswith("forget:"):
        # A one-time question: take its buttons away so it cannot be answered twice.
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("could not remove the confirm buttons: %s", redact(exc))
    await answer(update, context, _postback(update, data))


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The resident blocked (``kicked``) or unblocked the bot; the bot joined or left a group."""
    ch = channel(context)
    change = update.my_chat_member
    if change is None or change.chat is None or change.new_chat_member is None:
        log.info("skipped a chat-member update without its chat or new status")  # malformed: nothing to do
        return
    chat, status = change.chat, change.new_chat_member.status
    key = user_key(chat.id)
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await ch.residents.set_blocked(key, True)
        ch.stats["blocked"] += 1
        log.info("chat %s: bot %s; marked blocked", chat.id, status)
        return
    if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        was_out = getattr(change.old_chat_member, "status", None) in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        if was_out:
            await ch.residents.set_blocked(key, False)
            if chat.type in GROUPS:
                lang = await ch.language(key)
                await ch.sender.text(chat.id, t(ch.app.knowledge, "group_hello", lang, bot=context.bot.username))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong (without secrets) and keep running."""
    ch = channel(context)
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat is not None:
        await ch.residents.set_blocked(user_key(update.effective_chat.id), True)
        log.info("chat %s has blocked the bot; marked blocked", update.effective_chat.id)
        return
    ch.stats["errors"] += 1
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling update %s: %s",
        update_id,
        redact(repr(error)),
        exc_info=(type(error), error, error.__traceback__) if error is not None else None,
    )


def install(application: Application) -> None:
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    commands = {
        "start": on_start,
        "menu": on_menu,
        "help": on_help,
        "lang": on_lang,
        "subscribe": on_subscribe,
        "unsubscribe": on_unsubscribe,
        "forget": on_forget,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=NEW))
    staff.install(application)  # its commands and its confirm button come before the catch-alls
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(NEW & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(NEW & filters.TEXT, on_text))
    application.add_handler(MessageHandler(NEW & (filters.LOCATION | filters.VENUE), on_location))
    application.add_handler(MessageHandler(NEW & ~filters.StatusUpdate.ALL, on_unsupported))
    application.add_error_handler(on_error)
