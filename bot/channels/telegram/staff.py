"""Staff commands on Telegram: /broadcast, /reload, /stats and the preview's buttons.

The commands themselves are the core's ``bot.staff.chat.StaffChat`` (the guard, the
broadcast service and engine, the shop watcher, the stats query: what the CLI uses); this
module only turns the updates into its calls — the staff member is ``telegram:<user id>``,
a private chat is the only place staff commands are taken — answers the button press and
takes the preview's buttons away once they have done their work (nothing is pressed twice).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.channels.telegram.adapter import staff_identity
from bot.channels.telegram.channel import STAFF_BUTTONS, Channel
from bot.delivery.redaction import redact

log = logging.getLogger(__name__)


def _asked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Channel, str, int, bool]:
    """The channel, the staff member, their chat, and whether it is a private one."""
    chat = update.effective_chat
    return context.bot_data["channel"], staff_identity(update.effective_user.id), chat.id, chat.type == ChatType.PRIVATE


async def on_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch, actor, chat_id, private = _asked(update, context)
    reply = await ch.staff_chat.broadcast(actor, update.message.text or "", await ch.language(chat_id), private)
    await ch.say(chat_id, reply)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch, actor, chat_id, private = _asked(update, context)
    reply = await ch.staff_chat.reload(actor, await ch.language(chat_id), private)
    await ch.say(chat_id, reply)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch, actor, chat_id, private = _asked(update, context)
    reply = await ch.staff_chat.stats(actor, await ch.language(chat_id), ch.stats, private)
    await ch.say(chat_id, reply)


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch, actor, chat_id, _ = _asked(update, context)
    query = update.callback_query
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("could not answer a button press: %s", redact(exc))
    lang = await ch.language(chat_id)
    pressed = await ch.staff_chat.press(actor, query.data or "", lang, lambda report: ch.say(chat_id, report))
    if pressed.settled:
        try:  # the preview's buttons go either way: nothing can be pressed twice
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("could not remove the preview's buttons: %s", redact(exc))
    await ch.say(chat_id, pressed.reply)


def install(application: Application) -> None:
    new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("broadcast", on_broadcast, filters=new))
    application.add_handler(CommandHandler("reload", on_reload, filters=new))
    application.add_handler(CommandHandler("stats", on_stats, filters=new))
    application.add_handler(CallbackQueryHandler(on_broadcast_button, pattern=rf"^{STAFF_BUTTONS}:(send|cancel):"))
