"""The closed lists other data, the database and the understanding's pure functions are
checked against, from their one place in ``knowledge/``: the carriers (``carriers.yaml``), the
class levels (the ``levels`` of ``programme.yaml``), the particles (``particles.yaml``) and
the date words (``dates.yaml``).

Lives here: ``carriers``, ``levels``, ``schedule_words`` (how a class schedule names each
carrier), ``particles`` and ``date_words``, read once per knowledge directory
(``config.knowledge_dir()`` unless one is given), for code that has no ``Knowledge`` at hand: a
shop listing's or a schedule's validation, the database's index ranges, a kana word's boundary.
``load_knowledge`` validates the same files and names file and line. Reads those files.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from bot import config
from bot.data.words_schema import DateWordFile, ParticleFile
from bot.data.yaml_lines import load_cached

CARRIERS_FILE = "carriers.yaml"
PROGRAMME_FILE = "programme.yaml"
PARTICLES_FILE = "particles.yaml"
DATES_FILE = "dates.yaml"


def carriers(directory: Path | None = None) -> tuple[str, ...]:
    """The carrier ids: docomo, au, softbank, rakuten."""
    return tuple(_carriers(_key(directory)))


def schedule_words(directory: Path | None = None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(carrier id, the words a class schedule names it by), in the file's order."""
    return tuple(_carriers(_key(directory)).items())


def levels(directory: Path | None = None) -> tuple[str, ...]:
    """The class levels: 入門, 体験, 基本, 応用, 活用."""
    return _levels(_key(directory))


def particles(directory: Path | None = None) -> ParticleFile:
    return _particles(_key(directory))


def date_words(directory: Path | None = None) -> DateWordFile:
    return _dates(_key(directory))


def _key(directory: Path | None) -> str:
    """The directory as a string, the cache's key: a kana word's boundary asks for the particles
    many times a message, so the configured directory is not made a ``Path`` each time."""
    return str(directory) if directory else os.environ.get(config.KNOWLEDGE_ENV) or ""


def _file(key: str, name: str) -> Path:
    return (Path(key) if key else config.knowledge_dir()) / name


@lru_cache(maxsize=4)
def _carriers(key: str) -> dict[str, tuple[str, ...]]:
    data, _ = load_cached(_file(key, CARRIERS_FILE))
    return {str(c["id"]): tuple(str(w) for w in c.get("schedule_words") or ()) for c in data["carriers"]}


@lru_cache(maxsize=4)
def _levels(key: str) -> tuple[str, ...]:
    data, _ = load_cached(_file(key, PROGRAMME_FILE))
    return tuple(str(level["name"]) for level in data["levels"])


@lru_cache(maxsize=4)
def _particles(key: str) -> ParticleFile:
    return ParticleFile.model_validate(load_cached(_file(key, PARTICLES_FILE))[0])


@lru_cache(maxsize=4)
def _dates(key: str) -> DateWordFile:
    return DateWordFile.model_validate(load_cached(_file(key, DATES_FILE))[0])
