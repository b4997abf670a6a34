"""Class answers: upcoming classes for a city (date, time, level, title, venue,
seats left, phone to book), filtered by date, level, topic and carrier, with a
"none found" that offers the nearest dates or nearby towns instead. The class's day
and the dates asked about are said by the reply language (``turn.say``), the words are the
texts of ``knowledge/texts.yaml``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

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
    return turn.t(
        "class_entry",
        date=turn.say.day(c.day),
        start=c.start,
        end=c.end or "",
        level=turn.say.level(c.level),
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
        parts.append(turn.say.asked(when))
    if level:
        parts.append(turn.t("filter.level", level=turn.say.level(level)))
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
    # Every "which city?" says first what was understood: a free class, of that kind if named.
    replies[0].text = (intro or turn.t("classes_kind.any")) + "\n" + replies[0].text
    return replies


def _queries(
    turn: Turn, cities: list[str], when: DateFilter | None, level: str | None, topic: str | None, carrier: str | None
) -> tuple[DateFilter | None, dict, ClassQuery]:
    """The dates asked (moved on for 「もっと先は？」), the search's bounds alone, and the search."""
    today = turn.now.date()
    until = today + timedelta(days=HORIZON_DAYS)
    beyond = None
    if when and when.later and turn.state.shown_until:
        # 「もっと先は？」: the classes after the last one listed, for as long again.
        beyond = tuple(turn.state.shown_until)
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
    return when, base, query


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
    where = turn.say.join([turn.city_name(c) for c in cities]) if cities else turn.t("where_all")
    when, base, query = _queries(turn, cities, when, level, topic, carrier)
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
        none = turn.t("classes_none", where=where, filters=filters)
        # The carrier kept, then nothing: which has classes is one bounded read.
        _, relaxed, relaxed_total = await store.first_match([ClassQuery(**base, carrier=carrier), ClassQuery(**base)])
        if relaxed:
            reply = _listing(turn, none + "\n" + turn.t("classes_instead"), relaxed, relaxed_total)
            reply.buttons = follow
            return [reply]
    none = turn.t("classes_none_at_all", where=where)
    reply = await _nearby(turn, city, base, query, filters, none) if city else None
    if reply is not None:
        reply.buttons = follow
        return [reply]
    return [Reply(none, buttons=follow)]


async def _nearby(turn: Turn, city: str, base: dict, query: ClassQuery, filters: str, none: str) -> Reply | None:
    """A town without any class: the classes of the nearby towns, with what the resident asked
    for (a topic, a level, a date) when they have it, else any, saying that they have none of
    it (「山陽小野田市で確定申告を教わる場所は」); None when the nearby towns have no class at all."""
    nearby = tuple(dict.fromkeys(n.shop.municipality for n in turn.services.shops.nearest_to_city(city)))
    if not nearby:
        return None
    queries = [ClassQuery(**base | {"municipalities": nearby})]
    if filters:
        queries.insert(0, replace(query, municipalities=nearby))
    which, found, total = await turn.services.classes.first_match(queries)
    if not found:
        return None
    if not filters:
        head = turn.t("classes_nearby")
    else:
        head = turn.t("classes_nearby_with" if which == 0 else "classes_nearby_without", filters=filters)
    return _listing(turn, none + "\n" + head, found, total)
