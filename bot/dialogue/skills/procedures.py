"""MyNa Portal answers: what the portal is, the procedure groups, and one
procedure explained (what, who, what to prepare, how, where to ask)."""

from __future__ import annotations

from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.messages import Button, Link, Reply


def _group_buttons(turn: Turn, category: str | None = None) -> list[Button]:
    procs = turn.knowledge.procedures
    wanted = {p.group for p in procs.procedures if category is None or p.category == category}
    return [Button(g.label.get(turn.lang), Action("group", g.id).encode()) for g in procs.groups if g.id in wanted]


def _portal_link(turn: Turn) -> Link:
    return Link(turn.t("link.mynaportal"), turn.knowledge.programme.mynaportal.url)


def with_city_uptake(turn: Turn, replies: list[Reply] | None, city: str | None) -> list[Reply] | None:
    """A procedure answer for a resident who named their city begins with how many of the
    child-rearing and nursing-care procedures the city took on MyNa Portal, with the survey's
    date (「光市では…26手続のうち12手続」): the question behind 「うちの町はできる？」."""
    uptake = turn.knowledge.municipalities.mynaportal_uptake
    if not replies or city is None or uptake is None or city not in uptake.counts:
        return replies
    line = turn.t(
        "city_uptake",
        city=turn.city_name(city),
        count=uptake.counts[city],
        of=uptake.of,
        as_of=uptake.as_of.get(turn.lang),
    )
    replies[0].text = line + "\n\n" + replies[0].text
    return replies


def mynaportal_reply(turn: Turn) -> list[Reply]:
    turn.state.topic = "mynaportal"
    link = _portal_link(turn)
    return [Reply(turn.t("mynaportal"), buttons=_group_buttons(turn), links=[link])]


def category_reply(turn: Turn, category: str) -> list[Reply]:
    """The child-rearing or nursing-care procedures: every one named (residents look for the
    name they were told at the city hall), the areas as buttons."""
    turn.state.topic = "mynaportal"
    procs = [p for p in turn.knowledge.procedures.procedures if p.category == category]
    return [
        Reply(turn.t("procedures_category") + "\n\n" + _numbered(turn, procs), buttons=_group_buttons(turn, category))
    ]


def _numbered(turn: Turn, procs: list) -> str:
    return "\n".join(f"{i}. {p.short.get(turn.lang)}（{p.name}）" for i, p in enumerate(procs, 1))


def group_reply(turn: Turn, group_id: str) -> list[Reply] | None:
    procs = turn.knowledge.procedures
    group = next((g for g in procs.groups if g.id == group_id), None)
    if group is None:
        return None
    members = [p for p in procs.procedures if p.group == group_id]
    turn.state.topic = f"group:{group_id}"  # an aspect asked next is asked of its first procedure
    buttons = [Button(p.short.get(turn.lang), Action("proc", p.id).encode()) for p in members]
    # The official names are what the city hall's forms say: list them in the text.
    names = _numbered(turn, members)
    return [Reply(turn.t("procedures_in_group", group=group.label.get(turn.lang)) + "\n\n" + names, buttons=buttons)]


def procedure_reply(turn: Turn, proc_id: str) -> list[Reply] | None:
    proc = turn.knowledge.procedure(proc_id)
    if proc is None:
        return None
    turn.state.topic = f"proc:{proc.id}"
    lang = turn.lang
    head = turn.t(
        "procedure_head",
        short=proc.short.get(lang),
        name=proc.name,
        name_en=proc.name_en,
        what=proc.what.get(lang),
        who=proc.who.get(lang),
    )
    steps = turn.t(
        "procedure_steps",
        prepare=proc.prepare.get(lang),
        how=proc.how.get(lang),
        ask=proc.ask.get(lang),
    )
    links = [_portal_link(turn)]
    links += [Link(turn.t("link.source", title=s.title), s.url) for s in proc.source if s.url][:2]
    buttons = [
        turn.button("button.other_procedures", Action("group", proc.group)),
        turn.button("button.mynumber_classes", Action.intent("classes")),
        turn.button("button.menu", Action.menu()),
    ]
    return [Reply(head), Reply(steps, buttons=buttons, links=links)]


# What each aspect of a question reads from a procedure's answer (see meaning_rules.asked_aspect).
ASPECT_FIELD = {
    "prepare": "prepare",
    "deadline": "who",
    "who": "who",
    "where": "ask",
    "online": "how",
    "how": "how",
    "cost": "what",
    "what": "what",
}


def procedure_aspect_reply(turn: Turn, proc_id: str, aspect: str, city: str | None = None) -> list[Reply] | None:
    """One section of a procedure's answer: 「何がいる？」 after it is what to prepare, 「どこで？」
    where to ask, 「いつまでに？」 who and by when; ``city``, where the resident said they live."""
    proc = turn.knowledge.procedure(proc_id)
    if proc is None:
        return None
    turn.state.topic = f"proc:{proc.id}"
    lang = turn.lang
    short = proc.short.get(lang)
    text = getattr(proc, ASPECT_FIELD[aspect]).get(lang)
    if city:
        text = turn.t("procedure_city", city=turn.city_name(city)) + text
    body = turn.t(f"procedure_aspect.{aspect}", short=short, text=text, ask=proc.ask.get(lang))
    buttons = [
        turn.button("button.whole_procedure", Action("proc", proc.id), short=short),
        turn.button("button.other_procedures", Action("group", proc.group)),
        turn.button("button.menu", Action.menu()),
    ]
    return [Reply(body, buttons=buttons, links=[_portal_link(turn)])]


def life_event_reply(turn: Turn, event, only: list[str] | None = None) -> list[Reply]:
    """What happened leads to several procedures: say what was understood, list them (``only``
    those the message narrowed it to, when it did), ask which."""
    ids = only or event.procedures
    procs = [p for p in (turn.knowledge.procedure(pid) for pid in ids) if p is not None]
    turn.state.topic = f"proc:{procs[0].id}" if procs else "mynaportal"  # an aspect asked next: of the first
    names = _numbered(turn, procs)
    buttons = [Button(p.short.get(turn.lang), Action("proc", p.id).encode()) for p in procs]
    return [
        Reply(
            event.question.get(turn.lang) + "\n\n" + names,
            buttons=buttons + [turn.button("button.menu", Action.menu())],
        )
    ]
