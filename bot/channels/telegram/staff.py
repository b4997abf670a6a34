"""Staff commands on Telegram: /broadcast, /reload, /stats.

Lives here: the three commands and the broadcast's confirm / cancel buttons (callback data
``tgb:send:<id>`` and ``tgb:cancel:<id>``). The identity is ``telegram:<user id>``; every
attempt is checked with ``StaffDirectory.allows`` and written to the ``AuditLog`` — who,
what, on what, and how it ended ("denied" for everyone who may not). Staff work only in a
private chat with the bot. /broadcast shows a preview first (``BroadcastService.preview``,
Telegram subscribers only); the confirm button stores it (``BroadcastService.confirm``) and
sends it in the background through the shared ``BroadcastEngine`` with the channel's
``TelegramSender`` — every delivery recorded in the database — and the report is the
engine's ``report_text(knowledge, report, lang)``. /reload
re-reads the shop listing with the core's loader and swaps ``App.shops`` only when the
file is valid: on errors the old listing keeps serving and the errors (file, line, field)
are the reply. /stats counts conversations, blocked chats and subscriptions (read-only);
municipal staff see only their own towns' subscribers, never Telegram-wide counts. A press
of a confirm / cancel button with no pending broadcast behind it (pressed twice, or forged)
is audited too.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.broadcast.service import BroadcastRefused
from bot.broadcast.texts import report_text
from bot.channels.telegram.adapter import resolve_city, staff_identity, user_key
from bot.channels.telegram.broadcast import PendingBroadcast
from bot.channels.telegram.channel import Channel
from bot.channels.telegram.secrecy import redact
from bot.channels.telegram.texts import t
from bot.data.shops import load_shops
from bot.data.yaml_lines import DataError
from bot.messages import Button, Reply
from bot.staff.guard import NotPermitted

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 20
CALLBACK = "tgb"


def _channel(context: ContextTypes.DEFAULT_TYPE) -> Channel:
    return context.bot_data["channel"]


async def _gatekeep(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    action: str,
    target: str | None = None,
    municipality: str | None = None,
) -> tuple[Channel, str, str] | None:
    """The channel, actor and reply language when the sender may do ``action``; otherwise
    replies "not permitted", audits the attempt and returns None."""
    ch = _channel(context)
    actor = staff_identity(update.effective_user.id)
    chat = update.effective_chat
    lang = await ch.language(user_key(chat.id))
    if not ch.staff.allows(actor, action, municipality):
        await ch.audit.record(actor, action, target, "denied")
        log.warning("%s tried /%s (%s) without permission", actor, action, target or "-")
        await ch.sender.text(chat.id, t(ch.app.knowledge, "not_permitted", lang))
        return None
    if chat.type != ChatType.PRIVATE:
        await ch.audit.record(actor, action, target, "refused: not a private chat")
        await ch.sender.text(chat.id, t(ch.app.knowledge, "staff_private_only", lang))
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
    city = resolve_city(ch.app.knowledge, typed)
    allowed = await _gatekeep(update, context, "broadcast", city or typed or None, municipality=city)
    if allowed is None:
        return
    ch, actor, lang = allowed
    chat_id = update.effective_chat.id
    if not typed or not body:
        await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_usage", lang))
        return
    if city is None:
        names = "、".join(m.name for m in ch.app.knowledge.municipalities.municipalities)
        await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_unknown_city", lang, city=typed, cities=names))
        return
    count = len(await ch.residents.recipients(city, channel="telegram"))
    name = city if lang == "ja" else (ch.app.knowledge.municipality(city).name_en or city)
    if count == 0:
        await ch.audit.record(actor, "broadcast", city, "nobody to send to")
        await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_nobody", lang, city=name))
        return
    message = body + t(ch.app.knowledge, "broadcast_footer", "ja")
    try:
        preview = await ch.service.preview(actor, city, text=message, channels=["telegram"], senders=ch.senders)
    except NotPermitted:  # audited by the service's guard
        await ch.sender.text(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    except BroadcastRefused as exc:
        await ch.audit.record(actor, "broadcast", city, f"refused: {exc}"[:300])
        await ch.sender.text(chat_id, str(exc))
        return
    count = preview.recipients.get("telegram", 0)
    pending = ch.broadcasts.prepare(actor, city, preview.text, count, preview)
    buttons = [
        Button(t(ch.app.knowledge, "button_send", lang, count=count), f"{CALLBACK}:send:{pending.id}"),
        Button(t(ch.app.knowledge, "button_cancel", lang), f"{CALLBACK}:cancel:{pending.id}"),
    ]
    preview = t(ch.app.knowledge, "broadcast_preview", lang, city=name, count=count, text=message)
    await ch.audit.record(actor, "broadcast", city, f"preview id={pending.id} recipients={count}")
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
    lang = await ch.language(user_key(chat_id))
    pending = ch.broadcasts.peek(broadcast_id)
    if pending is not None and (pending.actor != actor or not ch.staff.allows(actor, "broadcast", pending.city)):
        await ch.audit.record(actor, "broadcast", pending.city, f"denied: confirm of {pending.id}")
        await ch.sender.text(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    pending = ch.broadcasts.take(broadcast_id)
    try:  # the preview's buttons go either way: nothing can be pressed twice
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove the preview's buttons: %s", redact(exc))
    if pending is None:  # pressed twice, expired, or forged: written down all the same
        staff = ch.staff.member(actor) is not None
        outcome = f"{'refused' if staff else 'denied'}: no pending broadcast {broadcast_id!r}"
        await ch.audit.record(actor, "broadcast", None, outcome[:300])
        await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_gone" if staff else "not_permitted", lang))
        return
    if what != "send":
        await ch.audit.record(actor, "broadcast", pending.city, f"cancelled id={pending.id}")
        await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_cancelled", lang))
        return
    try:
        broadcast_id = await ch.service.confirm(pending.preview)
    except NotPermitted:  # audited by the service's guard
        await ch.sender.text(chat_id, t(ch.app.knowledge, "not_permitted", lang))
        return
    await ch.audit.record(actor, "broadcast", pending.city, f"confirmed id={pending.id} #{broadcast_id}")
    await ch.sender.text(chat_id, t(ch.app.knowledge, "broadcast_started", lang, count=pending.count))
    ch.spawn(_run_broadcast(ch, pending, broadcast_id, chat_id, lang))


async def _run_broadcast(ch: Channel, pending: PendingBroadcast, broadcast_id: int, report_to: int, lang: str) -> None:
    try:
        report = await ch.service.send(pending.actor, broadcast_id, ch.engine)
    except Exception:
        log.exception("broadcast #%s to %s stopped", broadcast_id, pending.city)
        await ch.audit.record(pending.actor, "broadcast", pending.city, f"error id={pending.id} #{broadcast_id}")
        raise
    log.info("broadcast #%s to %s: %s", broadcast_id, pending.city, report.outcome)
    await ch.audit.record(
        pending.actor, "broadcast", pending.city, f"done id={pending.id} #{broadcast_id} {report.outcome}"
    )
    await ch.sender.text(report_to, report_text(ch.app.knowledge, report, lang))


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    allowed = await _gatekeep(update, context, "reload", "shops")
    if allowed is None:
        return
    ch, actor, lang = allowed
    chat_id = update.effective_chat.id
    path = ch.settings.shops_file
    municipalities = ch.app.knowledge.municipalities.municipalities
    started = time.perf_counter()
    try:
        directory = await asyncio.to_thread(load_shops, path, municipalities)
    except DataError as exc:
        problems = list(exc.problems)
        shown = "\n".join(problems[:MAX_PROBLEMS_SHOWN])
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown += f"\n… (+{len(problems) - MAX_PROBLEMS_SHOWN})"
        log.warning("reload of %s refused: %s", path, "; ".join(problems[:5]))
        await ch.audit.record(actor, "reload", str(path), f"refused: {len(problems)} problem(s)")
        await ch.sender.text(
            chat_id, t(ch.app.knowledge, "reload_failed", lang, count=len(ch.app.shops), problems=shown)
        )
        return
    ch.app.shops = directory  # the engine reads the live listing through App.current_shops
    log.info("reloaded %s: %d entries in %.0f ms", path, len(directory), (time.perf_counter() - started) * 1000)
    await ch.audit.record(actor, "reload", str(path), f"ok: {len(directory)} entries")
    await ch.sender.text(chat_id, t(ch.app.knowledge, "reloaded", lang, count=len(directory), as_of=directory.as_of))


async def _count(ch: Channel, sql: str, args: tuple = ()) -> list[tuple]:
    async with ch.app.db.conn.execute(sql, args) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    allowed = await _gatekeep(update, context, "stats", "telegram")
    if allowed is None:
        return
    ch, actor, lang = allowed
    member = ch.staff.member(actor)
    if member is not None and member.role == "municipal":  # their own towns only, no channel-wide counts
        text = await _town_stats(ch, tuple(member.municipalities), lang)
        await ch.audit.record(actor, "stats", "telegram", f"ok: {'、'.join(member.municipalities)}")
    else:
        text = await _channel_stats(ch, lang)
        await ch.audit.record(actor, "stats", "telegram", "ok")
    await ch.sender.text(update.effective_chat.id, text)


def _subscription_lines(ch: Channel, rows: list[tuple], lang: str) -> str:
    return "\n".join(f"・{city} {n}" for city, n in rows) or t(ch.app.knowledge, "stats_none", lang)


async def _town_stats(ch: Channel, towns: tuple[str, ...], lang: str) -> str:
    rows = [r for r in await _subscriptions(ch) if r[0] in towns]
    people, blocked = await _town_counts(ch, towns)
    return t(
        ch.app.knowledge,
        "stats_towns",
        lang,
        towns="、".join(towns),
        people=people,
        blocked=blocked,
        subscriptions=_subscription_lines(ch, rows, lang),
    )


async def _channel_stats(ch: Channel, lang: str) -> str:
    like = ("telegram:%",)
    (conversations,) = (await _count(ch, "SELECT COUNT(*) FROM conversations WHERE user_key LIKE ?", like))[0]
    (blocked,) = (await _count(ch, "SELECT COUNT(*) FROM residents WHERE blocked = 1 AND user_key LIKE ?", like))[0]
    return t(
        ch.app.knowledge,
        "stats",
        lang,
        conversations=conversations,
        blocked=blocked,
        subscriptions=_subscription_lines(ch, await _subscriptions(ch), lang),
        updates=ch.stats["updates"],
        replies=ch.stats["replies"],
        flood=ch.stats["flood"],
        errors=ch.stats["errors"],
    )


async def _subscriptions(ch: Channel) -> list[tuple]:
    return await _count(
        ch,
        "SELECT s.municipality, COUNT(*) FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
        "WHERE s.user_key LIKE ? AND COALESCE(r.blocked, 0) = 0 GROUP BY s.municipality ORDER BY COUNT(*) DESC",
        ("telegram:%",),
    )


async def _town_counts(ch: Channel, towns: tuple[str, ...]) -> tuple[int, int]:
    """(Telegram residents subscribed in ``towns``, of whom blocked)."""
    marks = ", ".join("?" * len(towns))
    ((people, blocked),) = await _count(
        ch,
        "SELECT COUNT(DISTINCT s.user_key), COUNT(DISTINCT CASE WHEN r.blocked = 1 THEN s.user_key END) "
        f"FROM subscriptions s LEFT JOIN residents r ON r.user_key = s.user_key "
        f"WHERE s.user_key LIKE ? AND s.municipality IN ({marks})",
        ("telegram:%", *towns),
    )
    return people, blocked


def install(application: Application) -> None:
    new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("broadcast", on_broadcast, filters=new))
    application.add_handler(CommandHandler("reload", on_reload, filters=new))
    application.add_handler(CommandHandler("stats", on_stats, filters=new))
    application.add_handler(CallbackQueryHandler(on_broadcast_button, pattern=rf"^{CALLBACK}:(send|cancel):"))
