"""Platform-neutral messages: what a channel hands the core and what it gets back.

Lives here: ``IncomingMessage`` (one resident action, with its ``Kind``), ``Reply`` with
its ``Button`` and ``Link`` parts, ``Answer`` (the replies and the language they are in)
and ``Capabilities`` (what a channel can show, which the core reads to shape a welcome);
``Location.checked`` (a shared point on Earth or None); ``user_key`` and ``platform_id``
(a resident's key ``<channel>:<platform id>`` made and read back).
Imports nothing but the standard library; every channel translates its platform's
objects to and from these.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Location:
    """A point a resident shared."""

    lat: float
    lon: float

    @classmethod
    def checked(cls, lat: float, lon: float) -> Location | None:
        """The point, or None when it is none on Earth (not finite, or out of range)."""
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return cls(lat, lon)


def user_key(channel: str, platform_id: str) -> str:
    """The key a channel's resident is known by: ``line:U4af…``, ``telegram:42``."""
    return f"{channel}:{platform_id}"


def platform_id(key: str, channel: str) -> str | None:
    """The platform's id in a user key of ``channel``; None for another channel's key."""
    prefix = f"{channel}:"
    return (key[len(prefix) :] or None) if key.startswith(prefix) else None


class Kind(str, enum.Enum):
    """What a resident did. ``TEXT``, ``LOCATION`` and ``POSTBACK`` carry their content;
    the others are events: media the bot cannot read, friend added or ``/start``
    (``FOLLOW``), unfollowed, and blocked (the platform refused a delivery)."""

    TEXT = "text"
    LOCATION = "location"
    POSTBACK = "postback"
    UNSUPPORTED = "unsupported"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class IncomingMessage:
    """One thing a resident did: typed text, shared a location, pressed a button, or an event.

    ``user`` is the channel-qualified key of the conversation (``console:u1``,
    ``telegram:42``); ``lang`` is set only when the channel knows the language (for a
    ``FOLLOW``, a guess used only for a resident the bot does not know yet). ``kind``
    follows from the content unless given: an event has none.
    """

    user: str
    text: str | None = None
    location: Location | None = None
    postback: str | None = None
    lang: str | None = None
    kind: Kind = None  # type: ignore[assignment]  # set from the content in __post_init__

    def __post_init__(self) -> None:
        if self.kind is None:
            kind = Kind.POSTBACK if self.postback is not None else Kind.LOCATION if self.location else Kind.TEXT
            object.__setattr__(self, "kind", kind)


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show, declared once by each channel (``bot.channels.registry``).

    ``buttons``: choices per message (0: the channel numbers them in the text);
    ``link_schemes``: URL schemes a link button may use (empty: links go in the text);
    ``text_limit``: UTF-16 units per message (None: no limit); ``location``: whether a
    resident can share one; ``push``: whether the bot can write first (class news and
    reminders), which is what makes a subscribe offer worth making."""

    buttons: int = 0
    link_schemes: tuple[str, ...] = ()
    text_limit: int | None = None
    location: bool = False
    push: bool = False

    def links(self, url: str) -> bool:
        return url.startswith(self.link_schemes)


PLAIN = Capabilities()  # what any channel can do: text


@dataclass(frozen=True)
class Button:
    """A choice the resident can press; ``data`` comes back as a postback."""

    label: str
    data: str


@dataclass(frozen=True)
class Link:
    """A URL to open (a map, an official page, a phone ``tel:`` link)."""

    label: str
    url: str


@dataclass
class Reply:
    """One message bubble: text plus optional buttons and links."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON-lines shape of DESIGN.md."""
        return {
            "text": self.text,
            "buttons": [asdict(b) for b in self.buttons],
            "links": [asdict(link) for link in self.links],
        }

    def visible_text(self) -> str:
        """Everything a resident would read in this bubble, joined (for tests and logs)."""
        parts = [self.text]
        parts += [b.label for b in self.buttons]
        parts += [f"{link.label} {link.url}" for link in self.links]
        return "\n".join(parts)


@dataclass
class Answer:
    """What the core answered one message with, and the language it answered in."""

    replies: list[Reply]
    lang: str | None  # None when nothing was said (an unfollow)
