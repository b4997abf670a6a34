"""Programme answers: the FAQ of knowledge/programme.yaml (free, anyone, any number
of times, nothing sold, booking, what to bring, courses) and its menu."""

from __future__ import annotations

from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.messages import Button, Reply


def faq_menu(turn: Turn) -> list[Reply]:
    faq = turn.knowledge.programme.faq
    return [
        Reply(turn.t("faq_menu"), buttons=[Button(f.label.get(turn.lang), Action("faq", f.id).encode()) for f in faq])
    ]


def faq_reply(turn: Turn, faq_id: str) -> list[Reply] | None:
    entry = next((f for f in turn.knowledge.programme.faq if f.id == faq_id), None)
    if entry is None:
        return None
    turn.state.topic = f"faq:{faq_id}"
    text = entry.answer.get(turn.lang) + "\n\n" + turn.t("faq_contact", **turn.contact())
    buttons = [
        turn.button("button.classes", Action.intent("classes")),
        turn.button("button.faq", Action.intent("faq")),
        turn.button("button.menu", Action.menu()),
    ]
    return [Reply(text, buttons=buttons)]
