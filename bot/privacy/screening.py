"""What the engine does first with a resident's message: secrets masked, warnings answered.

Lives here: ``screen`` (an ``IncomingMessage`` → ``Screened``: the message with its text
masked by ``bot.privacy.secrets`` — the only form the engine, the state, the unanswered log,
the logs and the audit ever see —, the kinds of secret found, and whether the message asks
about a suspicious call or message, and which of its sentences do: ``scam_sentences``), ``Screened.warn`` (the short warning put before the
answer when a secret was typed: the city, the programme and this bot never ask for these;
delete the message if the app allows) and ``scam_reply`` (the scam warning with the
consumer hotline 188, ``privacy.scam`` of ``knowledge/texts.yaml`` with its official
``source``). Platform-neutral; touches no store.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from bot.dialogue.actions import Action
from bot.messages import IncomingMessage, Reply
from bot.privacy.secrets import mask
from bot.understanding.normalize import SENTENCE_END

HOTLINE = "188"  # 消費者ホットライン (消費者庁): the source is beside the text in knowledge/texts.yaml

_CONTACT_JA = r"電話|でんわ|メール|ＳＭＳ|sms|ショートメ|メッセージ|ライン|line|訪問|はがき|ハガキ|手紙"
_ASKED_JA = (
    r"聞かれ|きかれ|聞いてき|尋ねられ|たずねられ|求められ|もとめられ|教えてと言われ|教えろ|教えるよう|"
    r"教えてって|入力してと|入力するよう|言われ|いわれ|名乗|なのる|かたる|騙る"
)
_SECRET_JA = (
    r"暗証番号|パスワード|マイナンバー|個人番号|カード番号|口座|キャッシュカード|保険証|還付金|"
    r"暗証|クレジット"
)
_DOUBT_JA = r"詐欺|さぎ|サギ|怪しい|あやしい|不審|ふしん|アヤシイ"
_CONTACT_EN = r"\b(call|called|calling|phone|phoned|text|texted|sms|e-?mail|message|caller)\b"
_ASKED_EN = r"\b(ask|asked|asking|asks|wanted|wants|told me to|request(ed|ing)?|demand(ed|ing)?|claim(ed|ing)? to be)\b"
_SECRET_EN = r"\b(pin|password|passcode|my ?number|card|bank|account|insurance)\b"
_DOUBT_EN = r"\b(scam|scams|fraud|suspicious|phishing|fake)\b"
_SENTENCE_END = re.compile(SENTENCE_END)


def _all(text: str, *patterns: str) -> bool:
    return all(re.search(p, text, re.I) for p in patterns)


def asks_about_a_scam(text: str) -> bool:
    """「市役所を名乗る電話で暗証番号を聞かれた」, "someone called asking for my card PIN"."""
    t = unicodedata.normalize("NFKC", text).lower()
    return (
        _all(t, _CONTACT_JA, _ASKED_JA, _SECRET_JA)
        or _all(t, _CONTACT_JA, _DOUBT_JA)
        or _all(t, _CONTACT_EN, _ASKED_EN, _SECRET_EN)
        or _all(t, _CONTACT_EN, _DOUBT_EN)
    )


def scam_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask about a scam (``asks_about_a_scam``); the whole text
    when none does alone (the contact in one sentence, the secret in the next)."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    found = [s for s in sentences if asks_about_a_scam(s)]
    return found or ([text] if asks_about_a_scam(text) else [])


@dataclass(frozen=True)
class Screened:
    message: IncomingMessage
    secrets: tuple[str, ...] = ()
    scam: bool = False

    def warn(self, turn, replies: list[Reply]) -> list[Reply]:
        """``replies`` with the secret warning first when the resident typed one."""
        if not self.secrets:
            return replies
        return [Reply(turn.t("privacy.secret_warning")), *replies]


def screen(msg: IncomingMessage) -> Screened:
    """The message as the rest of the bot may see it."""
    if not msg.text:
        return Screened(msg)
    masked, kinds = mask(msg.text)
    return Screened(replace(msg, text=masked) if kinds else msg, tuple(kinds), asks_about_a_scam(masked))


def scam_reply(turn, screened: Screened) -> list[Reply]:
    if screened.message.lang is None and (screened.message.text or "").isascii():
        turn.lang = "en"  # the question was asked in English
    return [
        Reply(
            turn.t("privacy.scam", hotline=HOTLINE),
            links=[turn.call_link(turn.t("privacy.hotline"), HOTLINE)],
            buttons=[turn.button("button.menu", Action.menu())],
        )
    ]
