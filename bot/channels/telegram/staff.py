"""Staff commands on Telegram: /broadcast, /reload, /stats — through the services the CLI uses.

Every attempt is checked by ``StaffGuard.require`` (refusals audited there) in a private
chat only, and its outcome audited. /broadcast previews (``BroadcastService.preview``), the
confirm button (``tgb:send:<id>``) stores and sends it in the background through the shared
``BroadcastEngine``; a press with no pending preview behind it is audited too. /reload asks
the app's ``ShopWatcher.check`` (an invalid listing keeps the old one serving; its errors
are the reply). /stats reads ``ChannelServices.stats``; municipal staff see only their towns.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.broadcast.pending import PendingBroadcast
from bot.broadcast.service import BroadcastRefused
from bot.broadcast.texts import report_text
from bot.channel_services import ChannelServices
from bot.channels.telegram.adapter import staff_identity
from bot.channels.telegram.channel import Channel
from bot.channels.telegram.texts import t
from bot.data.watch import watch_app
from bot.delivery.redaction import redact
from bot.dialogue.cities import by_name
from bot.messages import Button, Reply
from bot.staff.guard import NotPermitted

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 20
CALLBACK = "tgb"


def _channel(context: ContextTypes.DEFAULT_TYPE) -> Channel:
    return context.bot_data["channel"]


async def _gatekeep(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, target: str | None, city: str | None = None
) -> tuple[Channel, str, str] | None:
    """The channel, actor and reply language when the sender may do ``action`` here;
    otherwise the refusal is audited (by the guard) and told, and None returned."""
    ch = _channel(context)
    actor = staff_identity(update.effective_user.id)
    chat = update.effective_chat
    lang = await ch.language(chat.id)
    try:
        await ch.guard.require(actor, action, city, target=target)
    except NotPermitted:
        log.warning("%s tried /%s (%s) without permission", actor, action, target or "-")
        await ch.say(chat.id, t(ch.app.knowledge, "not_permitted", lang))
        return None
    if chat.type != ChatType.PRIVATE:
        await ch.guard.record(actor, action, target, "refused: not a private chat")
        await ch.say(chat.id, t(ch.app.knowledge, "staff_private_only", lang))
        return None
    return ch, actor, lang


_BROADCAST = re.compile(r"^/\S+(?:\s+(\S+))?(?:\s+(.*))?$", re.S)


def _broadcast_parts(text: str) -> tuple[str, str]:
    """``/broadcast 宇部市 本文…`` → (city, body); the body keeps its line breaks."""
    match = _BROADCAST.match(text.strip())
    if match is None:
        return "", ""
    return (match.group(1) or "").strip(), (match.group(2) or "").strip()


async def on_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = _channel(context)
    typed, body = _broadcast_parts(update.message.text or "")
    city = by_name(ch.app.knowledge, typed)
    allowed = await _gatekeep(update, context, "broadcast", city or typed or None, city=city)
    if allowed is None:
        return
    ch, actor, lang = allowed
    chat_id = update.effective_chat.id
    if not typed or not body:
        await ch.say(chat_id, t(ch.app.knowledge, "broadcast_usage", lang))
        return
    if city is None:
        names = "、".join(m.name for m in ch.app.knowledge.municipalities.municipalities)
        await ch.say(chat_id, t(ch.app.knowledge, "broadcast_unknown_city", lang, city=typed, cities=names))
        return
    name = city if lang == "ja" else (ch.app.knowledge.municipality(city).name_en or city)
    message = body + t(ch.app.knowledge, "broadcast_footer", "ja")
    try:
        preview = await ch.service.preview(actor, city, text=message, channels=["telegram"], senders=ch.senders)
    except NotPermitted:  # audited by the service's guard
        await ch.say(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    except BroadcastRefused as exc:
        await ch.guard.record(actor, "broadcast", city, f"refused: {exc}"[:300])
        await ch.say(chat_id, str(exc))
        return
    count = preview.recipients.get("telegram", 0)
    if count == 0:
        await ch.guard.record(actor, "broadcast", city, "nobody to send to")
        await ch.say(chat_id, t(ch.app.knowledge, "broadcast_nobody", lang, city=name))
        return
    pending = ch.broadcasts.prepare(actor, city, preview.text, count, preview)
    buttons = [
        Button(t(ch.app.knowledge, "button_send", lang, count=count), f"{CALLBACK}:send:{pending.id}"),
        Button(t(ch.app.knowledge, "button_cancel", lang), f"{CALLBACK}:cancel:{pending.id}"),
    ]
    preview = t(ch.app.knowledge, "broadcast_preview", lang, city=name, count=count, text=message)
    await ch.guard.record(actor, "broadcast", city, f"preview id={pending.id} recipients={count}")
    await ch.sender.replies(chat_id, [Reply(preview, buttons=buttons)])


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ch = _channel(context)
    query = update.callback_query
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("could not answer a button press: %s", redact(exc))
    parts = (query.data or "").split(":", 2)
    what, broadcast_id = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
    actor = staff_identity(update.effective_user.id)
    chat_id = update.effective_chat.id
    lang = await ch.language(chat_id)
    pending = ch.broadcasts.peek(broadcast_id)
    if pending is not None and (pending.actor != actor or not ch.staff.allows(actor, "broadcast", pending.city)):
        await ch.guard.record(actor, "broadcast", pending.city, f"denied: confirm of {pending.id}")
        await ch.say(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    pending = ch.broadcasts.take(broadcast_id)
    try:  # the preview's buttons go either way: nothing can be pressed twice
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove the preview's buttons: %s", redact(exc))
    if pending is None:  # pressed twice, expired, or forged: written down all the same
        staff = ch.staff.member(actor) is not None
        outcome = f"{'refused' if staff else 'denied'}: no pending broadcast {broadcast_id!r}"
        await ch.guard.record(actor, "broadcast", None, outcome[:300])
        await ch.say(chat_id, t(ch.app.knowledge, "broadcast_gone" if staff else "not_permitted", lang))
        return
    if what != "send":
        await ch.guard.record(actor, "broadcast", pending.city, f"cancelled id={pending.id}")
        await ch.say(chat_id, t(ch.app.knowledge, "broadcast_cancelled", lang))
        return
    try:
        broadcast_id = await ch.service.confirm(pending.preview)
    except NotPermitted:  # audited by the service's guard
        await ch.say(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    await ch.guard.record(actor, "broadcast", pending.city, f"confirmed id={pending.id} #{broadcast_id}")
    await ch.say(chat_id, t(ch.app.knowledge, "broadcast_started", lang, count=pending.count))
    ch.spawn(_run_broadcast(ch, pending, broadcast_id, chat_id, lang))


async def _run_broadcast(ch: Channel, pending: PendingBroadcast, broadcast_id: int, report_to: int, lang: str) -> None:
    try:
        report = await ch.service.send(pending.actor, broadcast_id, ch.engine)
    except Exception:
        log.exception("broadcast #%s to %s stopped", broadcast_id, pending.city)
        await ch.guard.record(pending.actor, "broadcast", pending.city, f"error id={pending.id} #{broadcast_id}")
        raise
    log.info("broadcast #%s to %s: %s", broadcast_id, pending.city, report.outcome)
    await ch.guard.record(
        pending.actor, "broadcast", pending.city, f"done id={pending.id} #{broadcast_id} {report.outcome}"
    )
    await ch.say(report_to, report_text(ch.app.knowledge, report, lang))


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    allowed = await _gatekeep(update, context, "reload", "shops")
    if allowed is None:
        return
    ch, actor, lang = allowed
    app = ch.app
    watcher = app.shop_watcher or watch_app(app, app.shops_file)
    outcome = await watcher.check()
    if outcome == "refused":
        problems = watcher.last_problems
        shown = "\n".join(problems[:MAX_PROBLEMS_SHOWN])
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown += f"\n… (+{len(problems) - MAX_PROBLEMS_SHOWN})"
        await ch.guard.record(actor, "reload", str(watcher.path), f"refused: {len(problems)} problem(s)")
        text = t(app.knowledge, "reload_failed", lang, count=len(app.shops), problems=shown)
    else:
        await ch.guard.record(actor, "reload", str(watcher.path), f"ok: {len(app.shops)} entries ({outcome})")
        text = t(app.knowledge, "reloaded", lang, count=len(app.shops), as_of=app.shops.as_of)
    await ch.say(update.effective_chat.id, text)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    allowed = await _gatekeep(update, context, "stats", "telegram")
    if allowed is None:
        return
    ch, actor, lang = allowed
    stats = ChannelServices(ch.app.db, "telegram").stats
    towns = ch.guard.scope(actor)
    if towns is not None:  # municipal staff: their own towns only, no channel-wide counts
        text = await _town_stats(ch, stats, tuple(towns), lang)
        await ch.guard.record(actor, "stats", "telegram", f"ok: {'、'.join(towns)}")
    else:
        text = await _channel_stats(ch, stats, lang)
        await ch.guard.record(actor, "stats", "telegram", "ok")
    await ch.say(update.effective_chat.id, text)


def _subscription_lines(ch: Channel, rows: list[tuple], lang: str) -> str:
    return "\n".join(f"・{city} {n}" for city, n in rows) or t(ch.app.knowledge, "stats_none", lang)


async def _town_stats(ch: Channel, stats, towns: tuple[str, ...], lang: str) -> str:
    people, blocked = await stats.towns(towns)
    lines = _subscription_lines(ch, await stats.subscriptions(towns), lang)
    return t(
        ch.app.knowledge,
        "stats_towns",
        lang,
        towns="、".join(towns),
        people=people,
        blocked=blocked,
        subscriptions=lines,
    )


async def _channel_stats(ch: Channel, stats, lang: str) -> str:
    return t(
        ch.app.knowledge,
        "stats",
        lang,
        conversations=await stats.conversations(),
        blocked=await stats.blocked(),
        subscriptions=_subscription_lines(ch, await stats.subscriptions(), lang),
        **{name: ch.stats[name] for name in ("updates", "replies", "flood", "errors")},
    )


def install(application: Application) -> None:
    new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("broadcast", on_broadcast, filters=new))
    application.add_handler(CommandHandler("reload", on_reload, filters=new))
    application.add_handler(CommandHandler("stats", on_stats, filters=new))
    application.add_handler(CallbackQueryHandler(on_broadcast_button, pattern=rf"^{CALLBACK}:(send|cancel):"))
