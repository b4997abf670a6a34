"""Schemas of the data files (pydantic), and validation that names file, line and field.

Lives here: the models of ``shops.yaml`` and of every file in ``knowledge/``, and
``validate_file`` which turns a pydantic error into ``file:line: field: message``.
Pure data: no I/O beyond what ``yaml_lines`` reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot import languages
from bot.data import text_keys, vocabulary
from bot.data.yaml_lines import DataError, format_path, line_for, load_cached, load_with_lines

PHONE_RE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(BaseModel):
    """A text in every language it is written in: ``{ja: …, en: …, ja-easy: …}``.

    Japanese is required; a language without its own form reads the one its fallback chain
    finds (``bot.languages.chain``). A key that is no language code of the registry is refused."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Annotated[str, Field(min_length=1)]] = Field(init=False)

    ja: str = Field(min_length=1)
    source: str | None = None  # the official source of a fact the text states (e.g. a hotline)

    @model_validator(mode="after")
    def _languages(self) -> Text:
        for code in self.__pydantic_extra__ or {}:
            if not languages.known(code):
                raise ValueError(f"{code!r} is no language (known: {', '.join(languages.codes())})")
        return self

    def forms(self) -> dict[str, str]:
        """Every language it is written in, Japanese first."""
        return {"ja": self.ja, **(self.__pydantic_extra__ or {})}

    def written_in(self, lang: str) -> bool:
        return lang in self.forms()

    def get(self, lang: str | None) -> str:
        """The text in ``lang``, or in the first language of its fallback chain that has it."""
        others = self.__pydantic_extra__ or {}
        for code in languages.chain(lang):
            if code == "ja":
                return self.ja
            if code in others:
                return others[code]
        return self.ja


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
    carrier: str  # one of knowledge/carriers.yaml
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

    @field_validator("carrier")
    @classmethod
    def _carrier(cls, value: str) -> str:
        known = vocabulary.carriers()
        if value not in known:
            raise ValueError(f"not a carrier of knowledge/carriers.yaml ({', '.join(known)}): {value!r}")
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
    name: str = Field(min_length=1)  # the one list of levels is this file's
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


class Helpline(Strict):
    """A national phone line the bot names (the My Number one, for the card and MyNa Portal)."""

    name: Text
    phone: str = Field(pattern=PHONE_RE.pattern)
    source: str


class Site(Strict):
    url: str = Field(pattern=r"^https://")
    source: str


class ProgrammeFile(Strict):
    name: Text
    as_of: str
    source: str
    contact: Contact
    my_number_line: Helpline
    mynaportal: Site
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
    other_brands: list[str] = []  # phone brands whose shops are not listed (ワイモバイル, ahamo …)
    stopwords_en: list[str]


# --- knowledge/carriers.yaml --------------------------------------------------------


class Carrier(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    name: Text
    words: list[str] = Field(min_length=1)  # how residents name it
    schedule_words: list[str] = Field(min_length=1)  # how a class schedule's venue names it


class CarrierFile(Strict):
    source: str
    carriers: list[Carrier] = Field(min_length=1)

    def cross_checks(self) -> list[tuple[tuple, str]]:
        return _duplicates("carriers", [c.id for c in self.carriers], "carrier", "id")


# --- knowledge/texts.yaml -----------------------------------------------------------


WEEKDAYS_KEY = "weekdays"  # seven words, Monday first, separated by spaces


class TextFile(Strict):
    texts: dict[str, Text]

    def cross_checks(self) -> list[tuple[tuple, str]]:
        # A text the code asks for by name, missing (a custom or stale folder): refused here, with
        # the line of ``texts:``, not a KeyError at the first resident who needs it.
        problems = [
            (("texts",), f"text {key!r} is missing (the code uses it)") for key in text_keys.missing(self.texts)
        ]
        weekdays = self.texts.get(WEEKDAYS_KEY)
        for lang, words in weekdays.forms().items() if weekdays else ():
            if len(words.split()) != 7:
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
