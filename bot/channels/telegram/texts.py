"""What the Telegram channel itself says, in Japanese and English, and its command menu.

Lives here: ``t`` (a channel text — flood notice, group etiquette, help, staff replies — in
a language with ``{placeholders}`` filled), ``COMMAND_NAMES`` (the /commands in menu
order), ``commands`` (each with its description in a language, for ``set_my_commands``),
and ``command_list`` (the menu as text for /help). The words are
the ``telegram.*`` texts of ``knowledge/texts.yaml``. Everything a resident reads about
classes, shops and procedures comes from ``knowledge/`` through the engine; these are
only the channel's own words.
"""

from __future__ import annotations

from bot.data.knowledge import Knowledge

PREFIX = "telegram."

# The order of the menu in Telegram clients; each has a ``telegram.command.<name>`` text.
COMMAND_NAMES: tuple[str, ...] = ("start", "menu", "help", "lang", "subscribe", "unsubscribe", "forget")


def t(knowledge: Knowledge, key: str, lang: str, **values: object) -> str:
    """The channel text ``telegram.<key>`` in ``lang`` (or the language it falls back to)."""
    return knowledge.text(PREFIX + key, lang, **values)


def commands(knowledge: Knowledge, lang: str) -> list[tuple[str, str]]:
    """(command, its description in ``lang``), in menu order."""
    return [(name, t(knowledge, f"command.{name}", lang)) for name in COMMAND_NAMES]


def command_list(knowledge: Knowledge, lang: str) -> str:
    """The menu as lines ``/command — description`` in ``lang`` (or the language it falls back to)."""
    return "\n".join(f"/{name} — {t(knowledge, f'command.{name}', lang)}" for name in COMMAND_NAMES)
