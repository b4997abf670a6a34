"""Which skill answers each intent, and the label of its button: dispatch as data.

Lives here: ``SKILLS`` (intent id → ``Skill``: the function that answers it and the text key
of its button), ``PREFIXED`` (``proc:``, ``faq:``, ``group:`` → the skill that answers one of
them by its id), ``handler_for`` and ``missing`` (the intents of knowledge/intents.yaml that
no skill answers, which ``madoguchi knowledge check`` and the start-up refuse, naming file and
line). A skill is called as ``skill(turn, parse, follow_up)`` (prefixed: with the id after the
prefix) and returns its replies, or None when the id names nothing. May touch the skills; no
store, no platform.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.data.knowledge import Knowledge
from bot.data.schema import located
from bot.dialogue.skills import places, procedures, programme, smalltalk, subscriptions
from bot.dialogue.turn import Turn
from bot.languages import codes
from bot.messages import Reply
from bot.understanding.parser import Parse

Answer = list[Reply] | None | Awaitable[list[Reply] | None]


@dataclass(frozen=True)
class Skill:
    run: Callable[[Turn, Parse, bool], Answer]
    label: str | None = None  # the text key of its button, where one is offered


def _plain(reply: Callable[[Turn], Answer], label: str | None = None) -> Skill:
    return Skill(lambda turn, p, follow_up: reply(turn), label)


SKILLS: dict[str, Skill] = {
    "greeting": _plain(smalltalk.greeting),
    "menu": _plain(smalltalk.menu),
    "thanks": _plain(smalltalk.thanks),
    "bye": _plain(smalltalk.bye),
    "human": _plain(smalltalk.human, "button.human"),
    "unsupported": _plain(smalltalk.unsupported),  # a sticker, photo or voice message (channels send it)
    "languages": _plain(smalltalk.choose_language, "button.languages"),
    **{
        f"lang_{code}": Skill(
            lambda turn, p, f, code=code: smalltalk.switch_language(turn, code), f"button.lang.{code}"
        )
        for code in codes()
    },
    "mynaportal": _plain(procedures.mynaportal_reply, "button.mynaportal"),
    "faq": _plain(programme.faq_menu, "button.faq"),
    "procedures_child": Skill(
        lambda turn, p, f: procedures.category_reply(turn, "child_rearing"), "button.procedures_child"
    ),
    "procedures_care": Skill(
        lambda turn, p, f: procedures.category_reply(turn, "nursing_care"), "button.procedures_care"
    ),
    "classes": Skill(lambda turn, p, f: places.classes(turn, p, f), "button.classes"),
    "shops": Skill(lambda turn, p, f: places.shops(turn, p, f), "button.shops"),
    "subscribe": Skill(lambda turn, p, f: subscriptions.subscribe(turn, p.city or (turn.state.city if f else None))),
    "unsubscribe": Skill(lambda turn, p, f: subscriptions.unsubscribe(turn, p.city)),
    "subscriptions": _plain(subscriptions.listing),  # which news one gets: lists them, stops none
    "forget": _plain(subscriptions.forget_confirm),
}

PREFIXED: dict[str, Callable[[Turn, str], list[Reply] | None]] = {
    "proc": procedures.procedure_reply,
    "faq": programme.faq_reply,
    "group": procedures.group_reply,
}

KEEPS_PENDING = ("classes", "shops", "subscribe")  # skills that may answer a pending "which city?"
# Answers that list or explain procedures (and every proc: and group:): a named city's uptake leads them.
PROCEDURE_ANSWERS = ("mynaportal", "procedures_child", "procedures_care")


async def run(intent: str, turn: Turn, p: Parse, follow_up: bool) -> list[Reply] | None:
    """The replies of the skill that answers ``intent``; None when none does."""
    if intent not in KEEPS_PENDING:
        turn.state.clear_pending()
    skill = SKILLS.get(intent)
    if skill is not None:
        answer = skill.run(turn, p, follow_up)
    else:
        kind, _, key = intent.partition(":")
        handler = PREFIXED.get(kind)
        if handler is None or not key:
            return None
        answer = handler(turn, key)
    answer = await answer if inspect.isawaitable(answer) else answer
    if intent in PROCEDURE_ANSWERS or intent.startswith(("proc:", "group:")):
        answer = procedures.with_city_uptake(turn, answer, p.city if p else None)
    return answer


def label(intent: str) -> str:
    """The text key of the button that offers ``intent`` (the menu's when it has none)."""
    skill = SKILLS.get(intent)
    return skill.label if skill and skill.label else "button.menu"


def missing(knowledge: Knowledge) -> list[str]:
    """``file:line`` problems for the intents of knowledge/intents.yaml that no skill answers."""
    path = knowledge.directory / "intents.yaml"
    return [
        located(
            path, ("intents", i, "id"), f"intent {intent.id!r} has no skill to answer it (bot/dialogue/registry.py)"
        )
        for i, intent in enumerate(knowledge.intents.intents)
        if intent.id not in SKILLS
    ]
