"""What staff read about a broadcast, in Japanese and English: the preview and the report.

Lives here: ``preview_text`` and ``report_text`` — the same words in the CLI and in a
staff chat command (a channel sends ``report_text(report, lang)`` as a message).
Pure functions.
"""

from __future__ import annotations

from bot.broadcast.engine import Report
from bot.broadcast.service import Preview

CHANNEL_NAMES = {"telegram": "Telegram", "line": "LINE", "console": "コンソール"}


def _channels(counts: dict[str, int]) -> str:
    return "、".join(f"{CHANNEL_NAMES.get(c, c)} {n}人" for c, n in counts.items()) or "なし"


def preview_text(p: Preview, lang: str = "ja") -> str:
    when_ja = f"{p.send_at:%Y/%m/%d %H:%M}（日本時間）に送信" if p.send_at else "確認後すぐに送信"
    when_en = f"to be sent at {p.send_at:%Y-%m-%d %H:%M} (Japan time)" if p.send_at else "sent as soon as you confirm"
    kind_ja = "これからの講座のお知らせ（自動作成）" if p.kind == "digest" else "お知らせ"
    if lang == "en":
        lines = [
            f"Broadcast preview — {p.municipality} ({'class digest' if p.kind == 'digest' else 'text'}), {when_en}",
            f"Recipients now: {p.total} ({', '.join(f'{c} {n}' for c, n in p.recipients.items()) or 'none'})",
        ]
        lines += [f"Warning: {c} has no sender here; its {p.recipients.get(c, 0)} recipients will be recorded "
                  f"as failed ({reason})" for c, reason in p.unsendable.items()]  # fmt: skip
        lines += [f"Warning from {c}: {reason}" for c, reason in p.warnings.items()]
        lines += ["The recipients are fixed when sending starts.", "----", p.text, "----"]
        return "\n".join(lines)
    lines = [
        f"配信の確認 — {p.municipality}・{kind_ja}・{when_ja}",
        f"現在の受信者: {p.total}人（{_channels(p.recipients)}）",
    ]
    lines += [f"注意: {CHANNEL_NAMES.get(c, c)} の送信設定がないため、その {p.recipients.get(c, 0)}人には届かず"
              f"「失敗」と記録されます（{reason}）" for c, reason in p.unsendable.items()]  # fmt: skip
    lines += [f"注意（{CHANNEL_NAMES.get(c, c)}）: {reason}" for c, reason in p.warnings.items()]
    lines += ["受信者は送信を始めた時点で確定します。", "──── 本文 ────", p.text, "────────────"]
    return "\n".join(lines)


def report_text(r: Report, lang: str = "ja") -> str:
    if lang == "en":
        head = f"Broadcast #{r.broadcast_id} to {r.municipality}: " + ("done" if r.finished else "not finished")
        lines = [head, f"sent {r.sent}, failed {r.failed}, blocked {r.blocked} of {r.total}"
                 + (f", {r.pending} still pending" if r.pending else "") + f" ({r.seconds:.1f} s)"]  # fmt: skip
        if r.resent:
            lines.append(f"{r.resent} were in flight when the previous run stopped and were sent again "
                         "(those residents may have it twice).")  # fmt: skip
        lines += [f"  {n} × {error}" for error, n in r.errors]
        if r.pending:
            lines.append(f"Resume with: madoguchi broadcast --resume {r.broadcast_id}")
        return "\n".join(lines)
    head = f"配信 #{r.broadcast_id}（{r.municipality}）: " + ("完了しました" if r.finished else "まだ終わっていません")
    lines = [head, f"送信 {r.sent}人、失敗 {r.failed}人、ブロック {r.blocked}人（対象 {r.total}人"
             + (f"、未送信 {r.pending}人" if r.pending else "") + f"、{r.seconds:.1f}秒）"]  # fmt: skip
    if r.resent:
        lines.append(f"前回の中断時に送信中だった {r.resent}人には、もう一度送りました（2通届いた方がいるかもしれません）。")
    if r.errors:
        lines.append("失敗の理由:")
        lines += [f"  {n}件: {error}" for error, n in r.errors]
    if r.pending:
        lines.append(f"続きを送るには: madoguchi broadcast --resume {r.broadcast_id}")
    elif r.failed:
        lines.append(f"失敗した分を送り直すには: madoguchi broadcast --resume {r.broadcast_id} --retry-failed")
    return "\n".join(lines)
