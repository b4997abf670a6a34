"""The resident-facing python-telegram-bot handlers, the gate before them, the error handler.

The gate (group -1) drops edits and other bots, group chatter not addressed to the bot, and
floods (one notice). /start is a ``FOLLOW`` (the core decides the welcome); /menu /help
/lang /subscribe /unsubscribe /forget become postbacks; text, locations and unreadable
media (``UNSUPPORTED``) go to the core; ``my_chat_member`` reports ``BLOCKED`` or ``FOLLOW``.
Everything goes through ``Channel.turn``: no dialogue state read, no store written.
"""

from __future__ import annotations

import logging

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

from bot import languages
from bot.channels.telegram import staff
from bot.channels.telegram.adapter import addressed, incoming, user_key
from bot.channels.telegram.channel import Channel
from bot.channels.telegram.texts import command_list, t
from bot.delivery.flood import Verdict
from bot.delivery.redaction import redact
from bot.messages import IncomingMessage, Kind, Reply

log = logging.getLogger(__name__)

NEW = filters.UpdateType.MESSAGE  # new messages only: an edit is not a new question
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
OUT = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
# Telegram has no official Japanese interface, so many Japanese residents run it in English:
# an ``en`` client tells nothing of the resident's language (``bot.languages.from_locale``).
UNINFORMATIVE_LOCALES = ("en",)
COMMAND_POSTBACKS = {"menu": "menu", "forget": "intent:forget"}
CITY_COMMANDS = {"subscribe": "sub", "unsubscribe": "unsub"}


def channel(context: ContextTypes.DEFAULT_TYPE) -> Channel:
    return context.bot_data["channel"]


def _stray(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Edits, channel posts, other bots, and group chatter not meant for the bot."""
    message, user, chat = update.message, update.effective_user, update.effective_chat
    if (message is None and update.callback_query is None) or user is None or user.is_bot or chat is None:
        return True
    if message is None or chat.type == ChatType.PRIVATE:
        return False
    return chat.type not in GROUPS or not addressed(message, context.bot.username, context.bot.id)


async def gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    ch.stats["updates"] += 1
    if not isinstance(update, Update) or update.my_chat_member is not None:
        return
    if _stray(update, context):
        ch.stats["ignored"] += 1
        raise ApplicationHandlerStop
    verdict = Verdict.PASS if ch.flood is None else ch.flood.check(update.effective_user.id)
    if verdict is Verdict.PASS:
        return
    if update.callback_query is not None:
        await _answer(update.callback_query)
    if verdict is Verdict.NOTICE:
        ch.stats["flood"] += 1
        log.info("flood control: user %s sent too many messages; one notice, then silence", update.effective_user.id)
        chat_id = update.effective_chat.id
        await ch.say(chat_id, t(ch.app.knowledge, "flood", await ch.language(chat_id)))
    raise ApplicationHandlerStop


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, msg: IncomingMessage, extra=None) -> None:
    """Ask the core and send its replies in order (one conversation at a time)."""
    chat = update.effective_chat
    quote = update.message.message_id if update.message and chat.type != ChatType.PRIVATE else None
    await channel(context).turn(msg, reply_to=quote, extra=extra)


def _key(update: Update) -> str:
    return user_key(update.effective_chat.id)


def _postback(update: Update, data: str) -> IncomingMessage:
    return IncomingMessage(_key(update), postback=data)


def _argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    guess = languages.from_locale(update.effective_user.language_code, UNINFORMATIVE_LOCALES)
    await answer(update, context, IncomingMessage(_key(update), kind=Kind.FOLLOW, lang=guess))


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/menu, /forget; /subscribe and /unsubscribe with or without a municipality."""
    name = update.message.text.split()[0][1:].split("@")[0].lower()
    typed = _argument(context)
    if name in CITY_COMMANDS:
        data = f"{CITY_COMMANDS[name]}:{typed}" if typed else f"intent:{name}"
    else:
        data = COMMAND_POSTBACKS[name]
    await answer(update, context, _postback(update, data))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = channel(context)
    lang = await ch.language(update.effective_chat.id)
    text = t(ch.app.knowledge, "help", lang, commands=command_list(ch.app.knowledge, lang))
    await answer(update, context, _postback(update, "menu"), extra=[Reply(text)])


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang: the core's choice of languages; ``/lang en`` chooses by code, ``/lang 英語`` in
    the resident's own words (the understanding reads them as any message)."""
    wanted = _argument(context)
    if languages.known(wanted.lower()):
        msg = _postback(update, f"lang:{wanted.lower()}")
    else:
        msg = IncomingMessage(_key(update), text=wanted) if wanted else _postback(update, "intent:languages")
    await answer(update, context, msg)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text, a location, or what the bot cannot read (stickers, photos …)."""
    await answer(update, context, incoming(update.message, _key(update), context.bot.username))


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
    if status in OUT:
        await ch.conversations.blocked(user_key(chat.id))
        ch.stats["blocked"] += 1
        log.info("chat %s: bot %s; the core marks it blocked", chat.id, status)
    elif status in IN and getattr(change.old_chat_member, "status", None) in OUT:
        await ch.conversations.answer(IncomingMessage(user_key(chat.id), kind=Kind.FOLLOW))  # the core unblocks
        if chat.type in GROUPS:
            lang = await ch.language(chat.id)
            await ch.say(chat.id, t(ch.app.knowledge, "group_hello", lang, bot=context.bot.username))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong (without secrets) and keep running."""
    ch = channel(context)
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat is not None:
        await ch.conversations.blocked(user_key(update.effective_chat.id))
        log.info("chat %s has blocked the bot; the core marks it blocked", update.effective_chat.id)
        return
    ch.stats["errors"] += 1
    update_id = update.update_id if isinstance(update, Update) else None
    trace = (type(error), error, error.__traceback__) if error is not None else None
    log.error("error while handling update %s: %s", update_id, redact(repr(error)), exc_info=trace)


def install(application: Application) -> None:
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CommandHandler("start", on_start, filters=NEW))
    application.add_handler(CommandHandler("help", on_help, filters=NEW))
    application.add_handler(CommandHandler("lang", on_lang, filters=NEW))
    application.add_handler(CommandHandler([*COMMAND_POSTBACKS, *CITY_COMMANDS], on_command, filters=NEW))
    staff.install(application)  # its commands and its confirm button come before the catch-alls
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(NEW & filters.COMMAND, on_help))
    application.add_handler(MessageHandler(NEW & ~filters.StatusUpdate.ALL, on_message))
    application.add_error_handler(on_error)
