"""What staff read about a broadcast, in Japanese and English: the preview and the report.

Lives here: ``preview_text`` and ``report_text`` — the same words in the CLI and in a
staff chat command (a channel sends ``report_text(knowledge, report, lang)`` as a
message). The words are the ``broadcast.*`` texts of ``knowledge/texts.yaml``; this module
only chooses them and joins the lines (the text formats the date: ``{at:%Y/%m/%d %H:%M}``). Pure functions.
"""

from __future__ import annotations

from bot.broadcast.engine import Report
from bot.broadcast.service import Preview
from bot.data.knowledge import Knowledge


def channel_name(knowledge: Knowledge, channel: str, lang: str) -> str:
    """A channel as staff read it (``broadcast.channel.<id>``); its id when it has no name."""
    key = f"broadcast.channel.{channel}"
    return knowledge.text(key, lang) if knowledge.has_text(key) else channel


def preview_text(knowledge: Knowledge, p: Preview, lang: str = "ja") -> str:
    def t(key: str, **values: object) -> str:
        return knowledge.text(key, lang, **values)

    def name(channel: str) -> str:
        return channel_name(knowledge, channel, lang)

    if p.send_at:
        when = t("broadcast.when.at", at=p.send_at)
    else:
        when = t("broadcast.when.now")
    kind = t("broadcast.kind.digest" if p.kind == "digest" else "broadcast.kind.text")
    channels = t("broadcast.sep").join(
        t("broadcast.recipients.channel", channel=name(c), count=n) for c, n in p.recipients.items()
    ) or t("broadcast.none")
    lines = [
        t("broadcast.preview.head", city=p.municipality, kind=kind, when=when),
        t("broadcast.recipients", total=p.total, channels=channels),
    ]
    lines += [
        t("broadcast.unsendable", channel=name(c), count=p.recipients.get(c, 0), reason=reason)
        for c, reason in p.unsendable.items()
    ]
    lines += [t("broadcast.warning", channel=name(c), reason=reason) for c, reason in p.warnings.items()]
    lines.append(t("broadcast.preview.body", text=p.text))
    return "\n".join(lines)


def report_text(knowledge: Knowledge, r: Report, lang: str = "ja") -> str:
    def t(key: str, **values: object) -> str:
        return knowledge.text(key, lang, **values)

    state = t("broadcast.report.done" if r.finished else "broadcast.report.unfinished")
    pending = t("broadcast.report.pending", pending=r.pending) if r.pending else ""
    lines = [
        t("broadcast.report.head", id=r.broadcast_id, city=r.municipality, state=state),
        t(
            "broadcast.report.counts",
            sent=r.sent,
            failed=r.failed,
            blocked=r.blocked,
            total=r.total,
            pending=pending,
            seconds=f"{r.seconds:.1f}",
        ),
    ]
    if r.resent:
        lines.append(t("broadcast.report.resent", resent=r.resent))
    if r.errors:
        errors = "\n".join(t("broadcast.report.error", n=n, error=error) for error, n in r.errors)
        lines.append(t("broadcast.report.errors", errors=errors))
    if r.pending:
        lines.append(t("broadcast.report.resume", id=r.broadcast_id))
    elif r.failed:
        lines.append(t("broadcast.report.retry_failed", id=r.broadcast_id))
    return "\n".join(lines)
