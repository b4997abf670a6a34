"""What a button does: one typed ``Action``, encoded into and parsed from a button's data.

Lives here: ``Action`` and its constructors, the one place that knows the wire format of
button data (``menu``, ``intent:X``, ``pick:X``, ``proc:ID``, ``group:ID``, ``faq:ID``,
``city:NAME``, ``shops:CITY``, ``classes:CITY[:level=L|topic=T]``, ``lang:ja|en``,
``sub:CITY``, ``unsub:CITY|*``, ``forget:yes|no``, ``remind:ID``, ``remind:cancel:ID``). The
format is what residents' LINE and Telegram clients hold on to in old messages, so it does
not change; ``parse`` refuses anything that is not one of these, and data longer than LINE's
300-character postback limit. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA = 300  # LINE's limit for postback data; nothing the bot offers is longer
KINDS = (
    "menu",
    "intent",
    "pick",
    "proc",
    "group",
    "faq",
    "city",
    "shops",
    "classes",
    "lang",
    "sub",
    "unsub",
    "forget",
    "remind",
)
NEEDS_ARG = frozenset(KINDS) - {"menu"}


@dataclass(frozen=True)
class Action:
    kind: str
    arg: str = ""
    option: str = ""  # classes: ``level=入門`` or ``topic=mynumber``; remind: ``cancel``

    def encode(self) -> str:
        if self.kind == "menu":
            return "menu"
        if self.kind == "remind" and self.option == "cancel":
            return f"remind:cancel:{self.arg}"
        return f"{self.kind}:{self.arg}" + (f":{self.option}" if self.option else "")

    @classmethod
    def parse(cls, data: str | None) -> Action | None:
        """The action of a button's data, or None when the data is none the bot makes."""
        data = (data or "").strip()
        if not data or len(data) > MAX_DATA or not data.isprintable():
            return None
        kind, _, rest = data.partition(":")
        if kind not in KINDS or (kind in NEEDS_ARG and not rest):
            return None
        if kind == "classes":
            city, _, option = rest.partition(":")
            return cls(kind, city, option)
        if kind == "remind" and rest.startswith("cancel:"):
            return cls(kind, rest[7:], "cancel")
        return cls(kind, rest)

    # -- constructors: how skills say what a button does ------------------------------

    @classmethod
    def menu(cls) -> Action:
        return cls("menu")

    @classmethod
    def intent(cls, name: str) -> Action:
        return cls("intent", name)

    @classmethod
    def answer(cls, intent: str) -> Action:
        """The button of an answer by its intent id: ``proc:ID``, ``faq:ID`` and ``group:ID``
        are their own data, other intents are picked (``pick:X``, a follow-up of the talk)."""
        kind, _, key = intent.partition(":")
        if kind in ("proc", "faq", "group") and key:
            return cls(kind, key)
        return cls("pick", intent)

    @classmethod
    def classes(cls, city: str, level: str | None = None, topic: str | None = None) -> Action:
        option = f"level={level}" if level else f"topic={topic}" if topic else ""
        return cls("classes", city, option)

    def filter(self) -> tuple[str | None, str | None]:
        """A ``classes`` action's (level, topic)."""
        name, _, value = self.option.partition("=")
        return (value if name == "level" else None, value if name == "topic" else None)
