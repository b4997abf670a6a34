"""One turn of a conversation: everything a skill needs to answer, in one object.

Lives here: ``Services`` (knowledge, shops, the stores, clock — shared by all
turns) and ``Turn`` (services + this resident's state + reply language), with
the small reply builders every skill uses (texts, menu buttons, map and phone
links, carrier and city names in the reply language).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.data.geo import map_url
from bot.data.knowledge import Knowledge
from bot.data.schema import Shop
from bot.data.shops import ShopDirectory
from bot.dialogue.actions import Action
from bot.dialogue.state import ConversationState
from bot.messages import Button, Link
from bot.store.bundle import Stores
from bot.store.classes import ClassStore
from bot.store.residents import ResidentStore

CARRIER_NAMES = {
    "docomo": {"ja": "ドコモ", "en": "docomo"},
    "au": {"ja": "au", "en": "au"},
    "softbank": {"ja": "ソフトバンク", "en": "SoftBank"},
    "rakuten": {"ja": "楽天モバイル", "en": "Rakuten Mobile"},
}


@dataclass
class Services:
    knowledge: Knowledge
    shops_source: Callable[[], ShopDirectory]
    stores: Stores
    clock: Callable[[], datetime]

    @property
    def classes(self) -> ClassStore:
        return self.stores.classes

    @property
    def residents(self) -> ResidentStore:
        return self.stores.residents

    @property
    def shops(self) -> ShopDirectory:
        """The current listing (a live reload swaps it between turns)."""
        return self.shops_source()


@dataclass
class Turn:
    services: Services
    state: ConversationState
    lang: str
    now: datetime
    user: str = ""
    forgotten: bool = False  # set when the resident's data was deleted: nothing is saved after

    @property
    def knowledge(self) -> Knowledge:
        return self.services.knowledge

    def t(self, key: str, **values: object) -> str:
        return self.knowledge.text(key, self.lang, **values)

    def button(self, key: str, action: Action, **values: object) -> Button:
        if not isinstance(action, Action):
            raise TypeError(f"a button's data is an Action, not {type(action).__name__}")
        return Button(self.t(key, **values), action.encode())

    def menu_buttons(self) -> list[Button]:
        return [
            self.button("button.classes", Action.intent("classes")),
            self.button("button.shops", Action.intent("shops")),
            self.button("button.mynaportal", Action.intent("mynaportal")),
            self.button("button.faq", Action.intent("faq")),
            self.button("button.human", Action.intent("human")),
        ]

    def city_name(self, name: str) -> str:
        if self.lang == "en":
            m = self.knowledge.municipality(name)
            return m.name_en if m else name
        return name

    def carrier_name(self, carrier: str | None) -> str:
        if carrier is None:
            return self.t("carrier_any")
        return CARRIER_NAMES[carrier][self.lang]

    def shop_name(self, shop: Shop) -> str:
        # English readers also see the Japanese name, which is what the sign says.
        return f"{shop.name_en} ({shop.name})" if self.lang == "en" else shop.name

    def phone_text(self, shop: Shop) -> str:
        label = f"（{shop.phone_label.get(self.lang)}）" if shop.phone_label else ""
        if self.lang == "en" and shop.phone_label:
            label = f" ({shop.phone_label.en})"
        return shop.phone + label

    def map_link(self, name: str, address: str) -> Link:
        prefecture = self.knowledge.municipalities.prefecture.name
        query = address if address.startswith(prefecture) else prefecture + address
        return Link(self.t("link.map", name=name), map_url(query))

    def call_link(self, name: str, phone: str) -> Link:
        return Link(self.t("link.call", name=f"{name} {phone}"), "tel:" + phone.replace("-", ""))

    def contact(self) -> dict[str, str]:
        c = self.knowledge.programme.contact
        return {"contact": c.name.get(self.lang), "phone": c.phone}
