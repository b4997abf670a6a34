"""Class answers: upcoming classes for a city (date, time, level, title, venue,
seats left, phone to book), filtered by date, level, topic and carrier, with a
"none found" that offers the nearest dates or nearby towns instead. The class's day
is ``bot.classes.days.day_label``, the words the texts of ``knowledge/texts.yaml``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.classes.days import day_label
from bot.classes.model import ClassSession
from bot.dialogue.actions import Action
from bot.dialogue.skills.reminders import remind_buttons
from bot.dialogue.skills.shops import ask_city, desk_reply, only_desks
from bot.dialogue.turn import Turn
from bot.messages import Reply
from bot.store.classes import ClassQuery
from bot.understanding.when import DateFilter

HORIZON_DAYS = 28


def _entry(turn: Turn, c: ClassSession) -> str:
    if c.seats_left is None:
        seats = ""
    elif c.seats_left > 0:
        seats = turn.t("seats_left", n=c.seats_left)
    else:
        seats = turn.t("seats_full")
    level = c.level
    if turn.lang == "en":
        names = {lvl.name: lvl.name_en for lvl in turn.knowledge.programme.levels}
        level = names.get(c.level, c.level)
    return turn.t(
        "class_entry",
        date=day_label(c.day, turn.lang, turn.knowledge),
        start=c.start,
        end=c.end or "",
        level=level,
        title=c.title,
        venue=c.venue,
        address=c.address,
        seats=seats,
        phone=c.phone,
    )


def _filters_text(
    turn: Turn, when: DateFilter | None, level: str | None, topic: str | None, carrier: str | None
) -> str:
    parts = []
    if when:
        if turn.lang == "en":
            parts.append(f"{when.start:%d %b}–{when.end:%d %b}" if when.start != when.end else f"{when.start:%d %b}")
            if when.after:
                parts.append(turn.t("filter.after", time=when.after))
            if when.before:
                parts.append(turn.t("filter.before", time=when.before))
        else:  # the resident's own words: 来週の土曜の午後
            parts.append(when.label)
    if level:
        shown = level
        if turn.lang == "en":
            shown = next((lv.name_en for lv in turn.knowledge.programme.levels if lv.name == level), level)
        parts.append(turn.t("filter.level", level=shown))
    if topic:
        label = next((t.label.get(turn.lang) for t in turn.knowledge.programme.topics if t.id == topic), topic)
        parts.append(turn.t("filter.topic", topic=label))
    if carrier:
        parts.append(turn.carrier_name(carrier))
    return turn.t("filter.sep").join(parts)


def _listing(turn: Turn, head: str, found: list[ClassSession], total: int) -> Reply:
    lines = [head, *(_entry(turn, c) for c in found)]
    if total > len(found):
        lines.append(turn.t("classes_more", more=total - len(found)))
    lines.append(turn.t("classes_note"))
    if any(c.sample for c in found):
        lines.append(turn.t("classes_sample"))
    venues: dict[str, ClassSession] = {}
    for c in found:
        venues.setdefault(c.venue, c)
    links = [turn.map_link(c.venue, c.address) for c in venues.values()]
    links += [turn.call_link(c.venue, c.phone) for c in venues.values()]
    return Reply("\n\n".join(lines), links=links)


def _ask_city_for(turn: Turn, level: str | None, topic: str | None) -> list[Reply]:
    """Which city, for a search that names the kind of class: the question says what that kind
    is first — the level's courses, or the levels whose courses teach the topic — so that 「初心者
    向けの教室ある？」 or 「カメラの使い方を習いたい」 is answered before the bot asks where."""
    programme = turn.knowledge.programme
    intro = ""
    if level:
        lv = next((lv for lv in programme.levels if lv.name == level), None)
        if lv is not None:
            shown = _filters_text(turn, None, level, None, None)
            intro = turn.t("classes_kind.level", level=shown, description=lv.description.get(turn.lang))
    elif topic:
        tp = next((t for t in programme.topics if t.id == topic), None)
        if tp is not None:
            label = tp.label.get(turn.lang)
            taught = turn.t("filter.sep").join(_filters_text(turn, None, lv, None, None) for lv in tp.levels)
            key = "classes_kind.topic" if taught else "classes_kind.topic_any"
            intro = turn.t(key, topic=label, levels=taught)
    replies = ask_city(turn, "classes")
    if intro:
        replies[0].text = intro + "\n" + replies[0].text
    return replies


async def classes_reply(
    turn: Turn,
    cities: list[str],
    when: DateFilter | None = None,
    level: str | None = None,
    topic: str | None = None,
    carrier: str | None = None,
    prefecture_wide: bool = False,
) -> list[Reply]:
    if only_desks(turn, carrier):
        return desk_reply(turn, carrier)
    state = turn.state
    state.topic, state.level, state.class_topic, state.carrier = "classes", level, topic, carrier
    if not cities and not prefecture_wide:
        return _ask_city_for(turn, level, topic)
    state.clear_pending()
    if cities:
        state.city = cities[0]
    where = "・".join(turn.city_name(c) for c in cities) if cities else turn.t("where_all")
    if turn.lang == "en":
        where = ", ".join(turn.city_name(c) for c in cities) if cities else turn.t("where_all")
    today = turn.now.date()
    until = today + timedelta(days=HORIZON_DAYS)
    beyond = None
    if when and when.later and state.shown_until:
        # 「もっと先は？」: the classes after the last one listed, for as long again.
        beyond = tuple(state.shown_until)
        begin = max(date.fromisoformat(beyond[0]), today)
        when = replace(when, start=begin, end=begin + timedelta(days=HORIZON_DAYS))
        until = when.end
    # "The whole prefecture" is the home prefecture only, also in a database of several.
    prefecture = None if cities else turn.knowledge.municipalities.prefecture.name
    base = dict(now=turn.now, until=until, municipalities=tuple(cities), prefecture=prefecture)
    query = ClassQuery(
        **base,
        start=when.start if when else None,
        weekdays=when.weekdays if when else frozenset(),
        after=when.after if when else None,
        before=when.before if when else None,
        beyond=beyond,
        level=level,
        topic=topic,
        carrier=carrier,
    )
    if when:
        query = ClassQuery(**{**query.__dict__, "until": min(when.end, until) if when.weekdays else when.end})
    store = turn.services.classes
    found, total = await store.search(query)
    filters = _filters_text(turn, when, level, topic, carrier)
    city = cities[0] if cities else None
    follow = [turn.button("button.menu", Action.menu())]
    if city:
        follow = [
            turn.button("button.beginners", Action.classes(city, level="入門")),
            turn.button("button.mynumber_classes", Action.classes(city, topic="mynumber")),
            turn.button("button.shops_in", Action("shops", city), city=turn.city_name(city)),
            turn.button("button.subscribe", Action("sub", city)),
            *follow,
        ]
    if found:
        state.shown_until = [found[-1].day.isoformat(), found[-1].start]
        head = turn.t(
            "classes_found", where=where, filters=filters + turn.t("filter.end") if filters else "", count=len(found)
        )
        reply = _listing(turn, head, found, total)
        reply.buttons = follow[:-1] + remind_buttons(turn, found) + follow[-1:]
        return [reply]
    # Nothing matches: say so, then offer the nearest dates here, or nearby towns.
    if filters:
        none = turn.t("classes_none", where=where, filters=filters + (" " if turn.lang == "en" else ""))
        # The carrier kept, then nothing: which has classes is one bounded read.
        _, relaxed, relaxed_total = await store.first_match([ClassQuery(**base, carrier=carrier), ClassQuery(**base)])
        if relaxed:
            reply = _listing(turn, none + "\n" + turn.t("classes_instead"), relaxed, relaxed_total)
            reply.buttons = follow
            return [reply]
    none = turn.t("classes_none_at_all", where=where)
    nearby = [n.shop.municipality for n in turn.services.shops.nearest_to_city(city)] if city else []
    nearby = list(dict.fromkeys(nearby))
    if nearby:
        found, total = await store.search(ClassQuery(**base | {"municipalities": tuple(nearby)}))
        if found:
            reply = _listing(turn, none + "\n" + turn.t("classes_nearby"), found, total)
            reply.buttons = follow
            return [reply]
    return [Reply(none, buttons=follow)]
