"""A resident's conversation state, kept between messages (and restarts) in the store.

``pending`` is a question the bot asked (``city``) that the next message may
answer, for ``pending_intent``. ``city``/``carrier``/``topic`` are the last ones
talked about, so follow-ups like 「ソフトバンクは？」 work; ``shown_until`` the day and
time of the last class listed, so 「もっと先は？」 goes on from there. ``buttons`` are the last
choices offered, so typing their number presses them. Read back, a value of the wrong type
or too long (a damaged row, or one poisoned by a forged button before buttons were checked)
becomes a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from bot import languages

MAX_WORD_CHARS = 100  # a city, carrier, topic or level name is short; longer is damage


@dataclass
class ConversationState:
    lang: str = "ja"
    pending: str | None = None
    pending_intent: str | None = None
    city: str | None = None
    carrier: str | None = None
    topic: str | None = None
    level: str | None = None
    class_topic: str | None = None
    buttons: list[list[str]] = field(default_factory=list)
    shown_until: list[str] | None = None  # [ISO day, "HH:MM"] of the last class listed, for 「もっと先は？」
    pending_text: str | None = None  # the message that made the bot ask (its date or level is kept)
    last_at: str | None = None  # ISO time of the last turn: after an hour of silence the filters go

    def clear_filters(self) -> None:
        """Forget what a class or shop search inherited (carrier, level, topic), not the city."""
        self.carrier = self.level = self.class_topic = None
        self.shown_until = None

    @classmethod
    def from_dict(cls, data: dict) -> ConversationState:
        state = cls(**{k: v for k, v in data.items() if k in _FIELDS})
        if not languages.known(state.lang):  # "ja", "en" and "ja-easy" are kept; anything else is Japanese
            state.lang = languages.DEFAULT
        _drop_damaged_words(state)
        if not isinstance(state.buttons, list):
            state.buttons = []
        shown = state.shown_until
        if not (isinstance(shown, list) and len(shown) == 2 and all(isinstance(x, str) for x in shown)):
            state.shown_until = None
        return state

    def to_dict(self) -> dict:
        """The state as plain JSON data (the buttons copied, as ``asdict`` would, without its cost)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["buttons"] = [list(b) for b in self.buttons]
        return data

    def clear_pending(self) -> None:
        self.pending = None
        self.pending_intent = None
        self.pending_text = None


_FIELDS = tuple(f.name for f in fields(ConversationState))
_WORDS = ("pending", "pending_intent", "city", "carrier", "topic", "level", "class_topic", "last_at")
MAX_ASKED_CHARS = 500  # the message kept while the bot asks "which city?" (the understood length)


def _drop_damaged_words(state: ConversationState) -> None:
    """A damaged or poisoned row (a 50,000-character topic, a list for a city) is no value."""
    for name in _WORDS:
        value = getattr(state, name)
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_WORD_CHARS):
            setattr(state, name, None)
    asked = state.pending_text
    if asked is not None and not (isinstance(asked, str) and len(asked) <= MAX_ASKED_CHARS):
        state.pending_text = None
