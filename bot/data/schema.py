"""Schemas of the data files (pydantic), and validation that names file, line and field.

Lives here: the models of ``shops.yaml`` and of every file in ``knowledge/``, and
``validate_file`` which turns a pydantic error into ``file:line: field: message``.
Pure data: no I/O beyond what ``yaml_lines`` reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.data.yaml_lines import DataError, format_path, line_for, load_cached, load_with_lines

CARRIERS = ("docomo", "au", "softbank", "rakuten")
LEVELS = ("入門", "体験", "基本", "応用", "活用")
PHONE_RE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Japanese and English."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)
    source: str | None = None  # the official source of a fact the text states (e.g. a hotline)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.ja


class Source(Strict):
    title: str = Field(min_length=1)
    url: str | None = None


class Coordinates(Strict):
    lat: float = Field(ge=20, le=46)
    lon: float = Field(ge=122, le=154)
    precision: Literal["verified", "approximate"]
    source: str | None = None


# --- shops.yaml -----------------------------------------------------------------


class Shop(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    carrier: Literal["docomo", "au", "softbank", "rakuten"]
    kind: Literal["shop", "phone_desk"]
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    municipality: str | None = None
    address: str | None = None
    phone: str
    phone_label: Text | None = None
    hours: Text | None = None
    email: str | None = None
    holds_classes: bool
    coordinates: Coordinates | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE_RE.match(value):
            raise ValueError(f"not a Japanese phone number like 0120-123-456: {value!r}")
        return value

    @model_validator(mode="after")
    def _shop_has_place(self) -> Shop:
        if self.kind == "shop" and (not self.municipality or not self.address):
            raise ValueError("a shop needs a municipality and an address")
        return self


class ShopFile(Strict):
    as_of: str
    source: str
    shops: list[Shop] = Field(min_length=1)

    def cross_checks(self) -> list[tuple[tuple, str]]:
        return _duplicates("shops", [s.id for s in self.shops], "shop id", "id")


# --- knowledge/municipalities.yaml ------------------------------------------------


class District(Strict):
    name: str
    kana: str
    romaji: str


class Office(Strict):
    lat: float = Field(ge=20, le=46)
    lon: float = Field(ge=122, le=154)
    precision: Literal["verified", "approximate"]


class Municipality(Strict):
    code: str | None = None
    name: str
    kana: str
    short: str
    short_kana: str
    romaji: str
    romaji_aliases: list[str] = []
    name_en: str
    districts: list[District] = []
    office: Office


class Prefecture(Strict):
    name: str
    kana: str
    romaji: str
    name_en: str


class Uptake(Strict):
    """How many of the child-rearing and nursing-care procedures each municipality took on
    MyNa Portal, on a day a survey names."""

    as_of: Text
    of: int = Field(gt=0)
    source: str
    counts: dict[str, int]


class MunicipalityFile(Strict):
    prefecture: Prefecture
    source: list[Source]
    municipalities: list[Municipality] = Field(min_length=1)
    mynaportal_uptake: Uptake | None = None

    def cross_checks(self) -> list[tuple[tuple, str]]:
        problems = _duplicates("municipalities", [m.name for m in self.municipalities], "municipality", "name")
        names = {m.name for m in self.municipalities}
        for city, count in self.mynaportal_uptake.counts.items() if self.mynaportal_uptake else ():
            if city not in names:
                problems.append((("mynaportal_uptake", "counts", city), f"not a municipality of this file: {city!r}"))
            elif not 0 <= count <= self.mynaportal_uptake.of:
                problems.append(
                    (
                        ("mynaportal_uptake", "counts", city),
                        f"{count} is not between 0 and the {self.mynaportal_uptake.of} procedures",
                    )
                )
        return problems


# --- knowledge/procedures.yaml ------------------------------------------------------


class ProcedureGroup(Strict):
    id: str
    label: Text


class Procedure(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    group: str
    category: Literal["child_rearing", "nursing_care", "disaster", "moving", "card", "tax", "medical"]
    name: str
    short: Text
    name_en: str
    aliases: list[str] = Field(min_length=1)
    concepts: list[str] = []  # what it is about (knowledge/concepts.yaml)
    what: Text
    who: Text
    prepare: Text
    how: Text
    ask: Text
    source: list[Source] = Field(min_length=1)


class ProcedureFile(Strict):
    as_of: str
    groups: list[ProcedureGroup] = Field(min_length=1)
    procedures: list[Procedure] = Field(min_length=1)

    def cross_checks(self) -> list[tuple[tuple, str]]:
        groups = {g.id for g in self.groups}
        problems = _duplicates("procedures", [p.id for p in self.procedures], "procedure id", "id")
        for i, proc in enumerate(self.procedures):
            if proc.group not in groups:
                problems.append((("procedures", i, "group"), f"unknown group {proc.group!r}"))
        return problems


# --- knowledge/programme.yaml -------------------------------------------------------


class Contact(Strict):
    name: Text
    phone: str
    email: str | None = None
    url: str | None = None
    source: str


class FaqEntry(Strict):
    id: str
    label: Text
    examples: list[str] = Field(min_length=1)
    concepts: list[str] = []  # what it is about (knowledge/concepts.yaml)
    answer: Text
    source: str


class Level(Strict):
    name: Literal["入門", "体験", "基本", "応用", "活用"]
    name_en: str
    description: Text
    keywords: list[str] = []


class Topic(Strict):
    id: str
    label: Text
    keywords: list[str] = Field(min_length=1)
    # The levels whose courses teach it, as the seed's course lists say (a search asks the
    # city with them: 「カメラ」 is taught in 基本編).
    levels: list[Literal["入門", "体験", "基本", "応用", "活用"]] = []


class ProgrammeFile(Strict):
    name: Text
    as_of: str
    source: str
    contact: Contact
    promises: list[Text]
    faq: list[FaqEntry]
    levels: list[Level]
    topics: list[Topic]


# --- knowledge/intents.yaml ---------------------------------------------------------


class Intent(Strict):
    id: str
    examples: list[str] = Field(min_length=1)
    concepts: list[str] = []  # what it is about (knowledge/concepts.yaml)


class IntentFile(Strict):
    intents: list[Intent] = Field(min_length=1)
    common_words: list[str] = []
    carriers: dict[Literal["docomo", "au", "softbank", "rakuten"], list[str]]
    other_brands: list[str] = []  # phone brands whose shops are not listed (ワイモバイル, ahamo …)
    stopwords_en: list[str]


# --- knowledge/texts.yaml -----------------------------------------------------------


WEEKDAYS_KEY = "weekdays"  # seven words, Monday first, separated by spaces


class TextFile(Strict):
    texts: dict[str, Text]

    def cross_checks(self) -> list[tuple[tuple, str]]:
        problems = []
        weekdays = self.texts.get(WEEKDAYS_KEY)
        for lang in ("ja", "en") if weekdays else ():
            if len(getattr(weekdays, lang).split()) != 7:
                problems.append(
                    (("texts", WEEKDAYS_KEY, lang), "needs seven weekdays, Monday first, separated by spaces")
                )
        return problems


def _duplicates(key: str, values: list[str], what: str, field: str) -> list[tuple[tuple, str]]:
    """A problem for every value that repeats an earlier one, at its own field."""
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(((key, i, field), f"duplicate {what} {value!r}"))
        seen.add(value)
    return problems


M = TypeVar("M", bound=BaseModel)


def _located(path: str | Path, lines: dict, loc: tuple, msg: str) -> str:
    line = line_for(lines, loc)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: {format_path(loc)}: {msg}"


def located(path: str | Path, loc: tuple, msg: str) -> str:
    """``file:line: field: message`` for a problem found after validation (lines read anew)."""
    return _located(path, load_with_lines(path)[1], loc, msg)


def validate_file(model: type[M], path: str | Path) -> M:
    """Load ``path`` and validate it as ``model``; raise ``DataError`` with lines."""
    data, lines = load_cached(path)
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        lines = lines if lines is not None else load_with_lines(path)[1]
        raise DataError([_located(path, lines, tuple(err["loc"]), err["msg"]) for err in exc.errors()]) from None
    checks = getattr(result, "cross_checks", None)
    problems = checks() if checks else []
    if problems:
        lines = lines if lines is not None else load_with_lines(path)[1]
        raise DataError([_located(path, lines, loc, msg) for loc, msg in problems])
    return result


# --- knowledge/elsewhere.yaml -------------------------------------------------------


class ElsewherePlace(Strict):
    name: str
    kana: str
    romaji: str


class ElsewhereFile(Strict):
    source: str
    places: list[ElsewherePlace]
