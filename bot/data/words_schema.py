"""Schemas of the closed word lists of ``knowledge/``: ``particles.yaml`` (where a kana word
starts and ends, romaji particles) and ``dates.yaml`` (the date words residents use).

Lives here: ``ParticleFile`` and ``DateWordFile`` (pydantic), with the checks that keep them
usable: one kana per particle, seven weekdays, twelve months, the period names the reply can
say back. Pure data.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

# What a ``DateFilter.period`` can be (bot/understanding/when.py): the reply says each back
# with its ``when.<period>`` text.
PERIODS = (
    "date",
    "today",
    "tomorrow",
    "day_after_tomorrow",
    "this_week",
    "next_week",
    "week_after_next",
    "this_month",
    "next_month",
    "month",
    "new_year",
    "later",
)
TIME = r"^\d{2}:\d{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Words = list[str]


class ParticleFile(_Strict):
    before_name: Words = Field(min_length=1)
    after_name: Words = Field(min_length=1)
    before_date_word: Words = Field(min_length=1)
    romaji: Words = Field(min_length=1)
    romaji_english_too: Words = []
    # 山口弁 verb endings and the standard ones they are read as (持っちょらん → 持っていない).
    dialect_endings: dict[str, str] = {}

    @field_validator("before_name", "after_name", "before_date_word")
    @classmethod
    def _one_kana(cls, value: list[str]) -> list[str]:
        wrong = [w for w in value if len(w) != 1 or not "\u3041" <= w <= "\u309f"]
        if wrong:
            raise ValueError(f"each is one hiragana letter: {', '.join(map(repr, wrong))}")
        return value

    def romaji_only(self) -> set[str]:
        """The romaji particles that do not make a text English (all but a, i)."""
        return set(self.romaji) - set(self.romaji_english_too)

    @field_validator("dialect_endings")
    @classmethod
    def _kana_endings(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = [k for k, v in value.items() if not all("\u3041" <= c <= "\u309f" for c in k + v)]
        if wrong:
            raise ValueError(f"endings are written in hiragana: {', '.join(map(repr, wrong))}")
        return value

    @field_validator("romaji_english_too")
    @classmethod
    def _english_ones_are_particles(cls, value: list[str], info: ValidationInfo) -> list[str]:
        extra = set(value) - set(info.data.get("romaji") or ())
        if extra:
            raise ValueError(f"not in romaji: {', '.join(sorted(extra))}")
        return value


class Offset(_Strict):
    period: str
    offset: int = Field(ge=0, le=2)
    words: Words = Field(min_length=1)

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if value not in PERIODS:
            raise ValueError(f"not a period the reply can say ({', '.join(PERIODS)}): {value!r}")
        return value


class MonthPart(_Strict):
    part: str
    first: int = Field(ge=1, le=28)
    last: int | None = Field(default=None, ge=1, le=28)  # none: the month's end
    words: Words = Field(min_length=1)


class PartOfDay(_Strict):
    part: str
    after: str | None = Field(default=None, pattern=TIME)
    before: str | None = Field(default=None, pattern=TIME)
    words: Words = Field(min_length=1)


class DateWordFile(_Strict):
    days: list[Offset] = Field(min_length=1)
    weeks: list[Offset] = Field(min_length=1)
    months: list[Offset] = Field(min_length=1)
    month_parts: list[MonthPart] = Field(min_length=1)
    new_year: Words = Field(min_length=1)
    weekend: Words = Field(min_length=1)
    weekdays: Words = Field(min_length=1)
    later: Words = Field(min_length=1)
    parts_of_day: list[PartOfDay] = Field(min_length=1)
    weekday_kanji: Words = Field(min_length=7, max_length=7)
    weekday_kana: Words = Field(min_length=7, max_length=7)
    weekday_en: Words = Field(min_length=7, max_length=7)
    months_en: Words = Field(min_length=12, max_length=12)
    other_words: Words = []
    # Words that hold a date word and name no time (夜分 of 「夜分に失礼します」 holds 夜).
    not_dates: Words = []

    def words(self) -> list[str]:
        """Every word of the file (the reading lexicon learns them; the English ones are known words)."""
        lists = [*(o.words for o in (*self.days, *self.weeks, *self.months)), *(p.words for p in self.month_parts)]
        lists += [self.new_year, self.weekend, self.weekdays, self.later, *(p.words for p in self.parts_of_day)]
        lists += [[k + "曜" for k in self.weekday_kanji], self.weekday_kana, self.weekday_en, self.months_en]
        lists += [[d + "s" for d in self.weekday_en], self.other_words]
        return list(dict.fromkeys(w for words in lists for w in words))

    def japanese_words(self) -> list[str]:
        return [w for w in self.words() if not w.isascii()]

    def english_words(self) -> set[str]:
        """The English words of one word each (weekend, saturdays, december)."""
        return {w for w in self.words() if w.isascii() and " " not in w}
