"""Platform-neutral messages: what a channel hands the core and what it gets back.

Lives here: ``IncomingMessage`` (one resident action) and ``Reply`` with its
``Button``, ``Link`` and ``Place`` parts. Imports nothing but the standard
library; every channel translates its platform's objects to and from these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Location:
    """A point a resident shared."""

    lat: float
    lon: float


@dataclass(frozen=True)
class IncomingMessage:
    """One thing a resident did: typed text, shared a location or pressed a button.

    ``user`` is the channel-qualified key of the conversation (``console:u1``,
    ``telegram:42``); ``lang`` is set only when the channel knows the language.
    """

    user: str
    text: str | None = None
    location: Location | None = None
    postback: str | None = None
    lang: str | None = None


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


@dataclass(frozen=True)
class Place:
    """A venue a channel may show as a map pin; ``verified`` says whether its
    coordinates were checked (channels show pins only for verified ones)."""

    title: str
    address: str
    lat: float
    lon: float
    verified: bool


@dataclass
class Reply:
    """One message bubble: text plus optional buttons, links and places."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON-lines shape of DESIGN.md (``places`` only when present)."""
        out: dict = {
            "text": self.text,
            "buttons": [asdict(b) for b in self.buttons],
            "links": [asdict(link) for link in self.links],
        }
        if self.places:
            out["places"] = [asdict(p) for p in self.places]
        return out

    def visible_text(self) -> str:
        """Everything a resident would read in this bubble, joined (for tests and logs)."""
        parts = [self.text]
        parts += [b.label for b in self.buttons]
        parts += [f"{link.label} {link.url}" for link in self.links]
        return "\n".join(parts)
