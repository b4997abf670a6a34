"""Conversation around the answers: greeting, menu, thanks, goodbye, talk to a
person, the choice of language and its switch, and the honest replies when the bot cannot help
(out of scope, another prefecture, empty or too long input, a stale button)."""

from __future__ import annotations

from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.languages import codes
from bot.messages import Button, Reply
from bot.understanding.normalize import MAX_UNDERSTOOD_CHARS


def greeting(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("greeting"), buttons=turn.menu_buttons())]


def menu(turn: Turn) -> list[Reply]:
    turn.state.clear_pending()
    turn.state.clear_filters()
    return [
        Reply(
            turn.t("menu"), buttons=[*turn.menu_buttons(), turn.button("button.languages", Action.intent("languages"))]
        )
    ]


def choose_language(turn: Turn) -> list[Reply]:
    """A button for every other language (``/lang``, 「言語」), each named in itself."""
    return [Reply(turn.t("lang.choose"), buttons=language_buttons(turn))]


def language_buttons(turn: Turn) -> list[Button]:
    """The languages the resident can switch to (for the menu, the welcome, ``/lang``)."""
    return [turn.button(f"button.lang.{code}", Action("lang", code)) for code in codes() if code != turn.lang]


def thanks(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("thanks"), buttons=turn.menu_buttons())]


def bye(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("bye"))]


def human(turn: Turn) -> list[Reply]:
    contact = turn.contact()
    line = turn.knowledge.programme.my_number_line
    links = [turn.call_link(contact["contact"], contact["phone"]), turn.call_link(line.phone, line.phone)]
    email = turn.knowledge.programme.contact.email  # for those who cannot call (耳が遠い)
    text = turn.t("human", **contact, email=email, free_dial_name=line.name.get(turn.lang), free_dial=line.phone)
    return [Reply(text, links=links, buttons=[turn.button("button.menu", Action.menu())])]


def switch_language(turn: Turn, lang: str) -> list[Reply]:
    turn.state.lang = turn.lang = lang
    return [Reply(turn.t(f"lang.{lang}"), buttons=turn.menu_buttons())]


def fallback(turn: Turn) -> list[Reply]:
    turn.state.clear_pending()
    contact = turn.contact()
    return [
        Reply(
            turn.t("fallback", phone=contact["phone"]),
            buttons=turn.menu_buttons(),
            links=[turn.call_link(contact["contact"], contact["phone"])],
        )
    ]


def elsewhere(turn: Turn, place: str) -> list[Reply]:
    return [Reply(turn.t("elsewhere", place=place, **turn.contact()), buttons=turn.menu_buttons())]


def empty(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("empty"), buttons=turn.menu_buttons())]


def too_long(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("too_long", limit=MAX_UNDERSTOOD_CHARS), buttons=turn.menu_buttons())]


def unknown_button(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("unknown_button"), buttons=turn.menu_buttons())]


def unsupported(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("unsupported"), buttons=turn.menu_buttons())]


def error(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("error"), buttons=turn.menu_buttons())]


def city_what(turn: Turn, city: str) -> list[Reply]:
    turn.state.city = city
    name = turn.city_name(city)
    buttons = [
        turn.button("button.classes_in", Action.classes(city), city=name),
        turn.button("button.shops_in", Action("shops", city), city=name),
        turn.button("button.menu", Action.menu()),
    ]
    return [Reply(turn.t("city_what", city=name), buttons=buttons)]


def number_again(turn: Turn, choices: list[tuple[str, str]]) -> list[Reply]:
    """A number typed with no button of that number: the choices offered last, again."""
    text = turn.t("number_again", count=len(choices))
    return [Reply(text, buttons=[Button(label, data) for label, data in choices])]


def clarify(turn: Turn, choices: list[tuple[str, str]]) -> list[Reply]:
    return [Reply(turn.t("clarify"), buttons=[Button(label, data) for label, data in choices])]
