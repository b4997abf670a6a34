"""The closed lists other data and the database are checked against — the carriers and the
class levels — from their one place in ``knowledge/`` (``carriers.yaml``, the ``levels`` of
``programme.yaml``).

Lives here: ``carriers`` and ``levels`` (ids and names, in the files' order) and
``schedule_words`` (how a class schedule names each carrier), read once per knowledge
directory (``config.knowledge_dir()`` unless one is given), for code that has no ``Knowledge``
at hand: a shop listing's or a schedule's validation, the database's index ranges. The files
are read as data only; ``load_knowledge`` validates them with their lines. Reads those two files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot import config
from bot.data.yaml_lines import load_cached

CARRIERS_FILE = "carriers.yaml"
PROGRAMME_FILE = "programme.yaml"


def carriers(directory: Path | None = None) -> tuple[str, ...]:
    """The carrier ids: docomo, au, softbank, rakuten."""
    return tuple(_carriers(_dir(directory)))


def schedule_words(directory: Path | None = None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(carrier id, the words a class schedule names it by), in the file's order."""
    return tuple(_carriers(_dir(directory)).items())


def levels(directory: Path | None = None) -> tuple[str, ...]:
    """The class levels: 入門, 体験, 基本, 応用, 活用."""
    return _levels(_dir(directory))


def _dir(directory: Path | None) -> Path:
    return (directory or config.knowledge_dir()).resolve()


@lru_cache(maxsize=4)
def _carriers(directory: Path) -> dict[str, tuple[str, ...]]:
    data, _ = load_cached(directory / CARRIERS_FILE)
    return {str(c["id"]): tuple(str(w) for w in c.get("schedule_words") or ()) for c in data["carriers"]}


@lru_cache(maxsize=4)
def _levels(directory: Path) -> tuple[str, ...]:
    data, _ = load_cached(directory / PROGRAMME_FILE)
    return tuple(str(level["name"]) for level in data["levels"])
