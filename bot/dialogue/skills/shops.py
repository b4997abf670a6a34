"""Shop answers: the shops of a city (and carrier), the nearest ones when a city
has none, shops near a shared location, and the "which city?" question."""

from __future__ import annotations

from bot.data.schema import Shop
from bot.data.shops import NearShop
from bot.dialogue.actions import Action
from bot.dialogue.turn import Turn
from bot.messages import Button, Reply

MAX_LISTED = 10


def _entry(turn: Turn, shop: Shop, near: NearShop | None = None) -> str:
    text = turn.t("shop_entry", name=turn.shop_name(shop), address=shop.address, phone=turn.phone_text(shop))
    if near is not None:
        # Without verified coordinates a shop stands at its town office: say so, in whole km.
        key = "distance_rough" if near.approximate else "distance"
        text += turn.t(key, km=f"{max(1, round(near.km))}" if near.approximate else f"{near.km:.1f}")
    return text


def _listing(turn: Turn, head: str, shops: list[Shop], near: list[NearShop] | None = None) -> Reply:
    near, shops = (near or [])[:MAX_LISTED], shops[:MAX_LISTED]
    entries = [_entry(turn, n.shop, n) for n in near] if near else [_entry(turn, s) for s in shops]
    listed = [n.shop for n in near] if near else shops
    as_of = turn.t("shops_as_of", as_of=turn.services.shops.as_of)
    links = [turn.map_link(s.name, s.address) for s in listed[:MAX_LISTED]]
    links += [turn.call_link(s.name, s.phone) for s in listed[:MAX_LISTED]]
    return Reply("\n\n".join([head, *entries[:MAX_LISTED], as_of]), links=links)


def ask_city(turn: Turn, intent: str, carrier: str | None = None) -> list[Reply]:
    """Ask which city; the next message (or a button) answers for ``intent``."""
    turn.state.pending, turn.state.pending_intent = "city", intent
    shops = turn.services.shops
    cities = shops.cities(carrier if intent == "shops" else None)[:12]
    buttons = [Button(turn.city_name(c), Action("city", c).encode()) for c in cities[:12]]
    return [Reply(turn.t("ask_city"), buttons=buttons)]


def only_desks(turn: Turn, carrier: str | None) -> bool:
    """The listing has phone desks of ``carrier`` and none of its shops (Rakuten's senior
    desk): asked for its shops or classes, the desk is the answer, wherever one lives."""
    shops = turn.services.shops
    return bool(carrier) and bool(shops.desks(carrier)) and not shops.cities(carrier)


def desk_reply(turn: Turn, carrier: str) -> list[Reply]:
    turn.state.topic, turn.state.carrier = "shops", carrier
    turn.state.clear_pending()
    desks = turn.services.shops.desks(carrier)
    entries = [
        turn.t("desk_entry", name=d.name, phone=d.phone, hours=d.hours.get(turn.lang) if d.hours else "-")
        for d in desks
    ]
    links = [turn.call_link(d.name, d.phone) for d in desks]
    return [Reply("\n\n".join([turn.t("rakuten_desk"), *entries]), links=links, buttons=turn.menu_buttons()[:3])]


def shops_reply(turn: Turn, city: str | None, carrier: str | None, prefecture_wide: bool = False) -> list[Reply]:
    shops = turn.services.shops
    turn.state.topic, turn.state.carrier = "shops", carrier
    if only_desks(turn, carrier):
        return desk_reply(turn, carrier)
    carrier_label = turn.carrier_name(carrier)
    if city is None:
        if not prefecture_wide:
            # Say what was understood before asking where (「ドコモショップをおさがしですね。」).
            asked = ask_city(turn, "shops", carrier)
            asked[0].text = turn.t("shops_ask", carrier=carrier_label) + "\n" + asked[0].text
            return asked
        everywhere = shops.everywhere(carrier)
        head = turn.t("shops_found_all", carrier=carrier_label, count=len(everywhere))
        return [_listing(turn, head, everywhere)]
    turn.state.city = city
    turn.state.clear_pending()
    found = shops.in_city(city, carrier)
    follow = _city_buttons(turn, city)
    if found:
        head = turn.t("shops_found", city=turn.city_name(city), carrier=carrier_label, count=len(found))
        reply = _listing(turn, head, found)
        reply.buttons = follow
        return [reply]
    none = turn.t("shops_none", city=turn.city_name(city), carrier=carrier_label)
    near = list(shops.nearest_to_city(city, carrier))
    if not near:
        return [Reply(none, buttons=follow)]
    head = none + "\n" + turn.t("shops_nearest", city=turn.city_name(city))
    reply = _listing(turn, head, [], near)
    reply.buttons = follow
    return [reply]


def near_location_reply(turn: Turn, lat: float, lon: float) -> list[Reply]:
    near = turn.services.shops.nearest(lat, lon, turn.state.carrier if turn.state.topic == "shops" else None)
    if not near:
        near = turn.services.shops.nearest(lat, lon)
    turn.state.topic = "shops"
    reply = _listing(turn, turn.t("shops_near_you"), [], near)
    reply.buttons = [turn.button("button.classes", Action.intent("classes")), turn.button("button.menu", Action.menu())]
    return [reply]


def named_shops_reply(turn: Turn, named: list[Shop]) -> list[Reply]:
    """The shops a message named by their own words (「山の田のソフトバンク」)."""
    shop = named[0]
    turn.state.topic, turn.state.city, turn.state.carrier = "shops", shop.municipality, None
    turn.state.clear_pending()
    carrier = shop.carrier if all(s.carrier == shop.carrier for s in named) else None
    head = turn.t(
        "shops_found", city=turn.city_name(shop.municipality), carrier=turn.carrier_name(carrier), count=len(named)
    )
    reply = _listing(turn, head, named)
    reply.buttons = _city_buttons(turn, shop.municipality)
    return [reply]


def _city_buttons(turn: Turn, city: str) -> list[Button]:
    """What follows a city's shops: its classes, the menu."""
    return [
        turn.button("button.classes_in", Action.classes(city), city=turn.city_name(city)),
        turn.button("button.menu", Action.menu()),
    ]
