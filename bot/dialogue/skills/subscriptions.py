"""Class-news subscriptions and forgetting: subscribe for a city, see and stop
subscriptions, and delete everything stored about the resident after a confirm."""

from __future__ import annotations

from bot.dialogue.actions import Action
from bot.dialogue.skills.shops import ask_city
from bot.dialogue.turn import Turn
from bot.messages import Reply


async def subscribe(turn: Turn, city: str | None) -> list[Reply]:
    if city is None:
        # Say what was understood before asking (「お知らせって何が届くん？」 learns it too).
        asked = ask_city(turn, "subscribe")
        return [Reply(turn.t("subscribe_ask") + "\n" + asked[0].text, buttons=asked[0].buttons), *asked[1:]]
    turn.state.clear_pending()
    turn.state.city = city
    turn.state.topic = "subscribe"  # 「やっぱりやめとく」 next stops it
    residents = turn.services.residents
    new = await residents.subscribe(turn.user, city, turn.state.level, turn.state.class_topic)
    name = turn.city_name(city)
    text = turn.t("subscribed" if new else "subscribed_already", city=name)
    buttons = [
        turn.button("button.classes_in", Action.classes(city), city=name),
        turn.button("button.unsubscribe", Action.intent("unsubscribe")),
        turn.button("button.menu", Action.menu()),
    ]
    return [Reply(text, buttons=buttons)]


async def unsubscribe(turn: Turn, city: str | None = None, everything: bool = False) -> list[Reply]:
    residents = turn.services.residents
    subs = await residents.subscriptions(turn.user)
    if not subs:
        return [
            Reply(turn.t("subscriptions_none"), buttons=[turn.button("button.subscribe", Action.intent("subscribe"))])
        ]
    if everything or len(subs) == 1 or city in {s.municipality for s in subs}:
        target = None if everything or (len(subs) == 1 and city is None) else city
        target = target if target is not None or everything else subs[0].municipality
        await residents.unsubscribe(turn.user, None if everything else target)
        what = turn.t("all_cities") if everything else turn.city_name(target)
        return [Reply(turn.t("unsubscribed", what=what), buttons=[turn.button("button.menu", Action.menu())])]
    return _listed(turn, subs)


async def listing(turn: Turn) -> list[Reply]:
    """The news the resident gets (「何のお知らせを登録しちょる？」), each with a button to stop it;
    nothing is stopped."""
    subs = await turn.services.residents.subscriptions(turn.user)
    if not subs:
        return [
            Reply(turn.t("subscriptions_none"), buttons=[turn.button("button.subscribe", Action.intent("subscribe"))])
        ]
    return _listed(turn, subs)


def _listed(turn: Turn, subs) -> list[Reply]:
    cities = "、".join(turn.city_name(s.municipality) for s in subs)
    buttons = [
        turn.button("button.unsubscribe_city", Action("unsub", s.municipality), city=turn.city_name(s.municipality))
        for s in subs[:11]
    ]
    buttons.append(turn.button("button.unsubscribe_all", Action("unsub", "*")))
    return [Reply(turn.t("subscriptions_now", cities=cities) + "\n" + turn.t("unsubscribe_which"), buttons=buttons)]


def forget_confirm(turn: Turn) -> list[Reply]:
    buttons = [
        turn.button("button.forget_yes", Action("forget", "yes")),
        turn.button("button.forget_no", Action("forget", "no")),
    ]
    return [Reply(turn.t("forget_confirm"), buttons=buttons)]


async def forget(turn: Turn, confirmed: bool) -> list[Reply]:
    if not confirmed:
        return [Reply(turn.t("forget_kept"), buttons=turn.menu_buttons())]
    await turn.services.residents.forget(turn.user)
    turn.forgotten = True
    return [Reply(turn.t("forgotten"))]
