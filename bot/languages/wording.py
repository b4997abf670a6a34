"""How a language says the things a reply is made of: dates, spans, lists and names.

Lives here: ``Wording`` (a language and the knowledge's texts): a class's day and short date,
the dates a resident asked about (a ``DateFilter``, said back in the resident's words or as
dates), a list of cities, the name of a city, a carrier, a class level and a shop, and a phone
number with its label. Every word is a text of ``knowledge/texts.yaml`` (``name.*``,
``date.*``, ``when.*``, ``list.sep``), so a language is data; nothing here asks which language
it is. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.data.knowledge import Knowledge
from bot.data.schema import Shop
from bot.understanding.when import DateFilter


@dataclass(frozen=True)
class Wording:
    knowledge: Knowledge
    lang: str

    def t(self, key: str, **values: object) -> str:
        return self.knowledge.text(key, self.lang, **values)

    # -- dates ---------------------------------------------------------------------------

    def weekday(self, index: int) -> str:
        """A day of the week (0 = Monday) as a date writes it: 「土」, "Sat"."""
        return self.t("weekdays").split()[index]

    def day(self, day: date) -> str:
        """「12月6日（土）」, "Sat 6 Dec"."""
        return self.t(
            "day_label", weekday=self.weekday(day.weekday()), day=day.day, month=day.month, month_abbr=f"{day:%b}"
        )

    def time_range(self, start: str, end: str | None) -> str:
        """「10:30～11:30」; 「10:30～」 when the end is not known."""
        return self.t("time_range", start=start, end=end or "")

    def short_day(self, day: date) -> str:
        """「12/6」, "6 Dec" (a button)."""
        return self.t("date.short", day=day.day, month=day.month, month_abbr=f"{day:%b}")

    def span(self, start: date, end: date) -> str:
        """The days from ``start`` to ``end``: one day, or both ends."""
        if start == end:
            return self.short_day(start)
        return self.t("date.span", start=self.short_day(start), end=self.short_day(end))

    def asked(self, when: DateFilter) -> str:
        """The days a resident asked about, as this language says them back: 「来週の土曜の午後」
        (the words they used) or "13 Dec, starting at 12:00 or later" (the dates)."""
        times = [self.t("filter.after", time=when.after)] if when.after else []
        times += [self.t("filter.before", time=when.before)] if when.before else []
        return self.t(
            "filter.when",
            said=self.said(when),
            dates=self.span(when.start, when.end),
            times="".join(self.t("filter.time", time=t) for t in times),
        )

    def said(self, when: DateFilter) -> str:
        """The resident's date words, each a ``when.*`` text: period, days of the week, part of day."""
        parts = []
        if when.period:
            period = self.t(f"when.{when.period}", month=when.month or "", day=when.day or "")
            if when.month_part:
                period = self.t("when.month_part", period=period, part=self.t(f"when.part.{when.month_part}"))
            parts.append(period)
        if when.days_word:
            parts.append(self.t(f"when.{when.days_word}"))
        elif when.weekdays:
            names = self.t("when.weekday_sep").join(
                self.t("when.weekday", weekday=self.weekday(d)) for d in sorted(when.weekdays)
            )
            parts.append(self.t("when.coming", days=names) if when.coming else names)
        if when.part_of_day:
            parts.append(self.t(f"when.{when.part_of_day}"))
        return self.t("when.of").join(parts)

    # -- lists and names -----------------------------------------------------------------

    def join(self, items: list[str]) -> str:
        """「宇部市・山口市」, "Ube, Yamaguchi"."""
        return self.t("list.sep").join(items)

    def city(self, name: str) -> str:
        m = self.knowledge.municipality(name)
        return self.t("name.city", name=name, name_en=m.name_en if m else name)

    def carrier(self, carrier: str | None) -> str:
        if carrier is None:
            return self.t("carrier_any")
        known = self.knowledge.carrier(carrier)
        return known.name.get(self.lang) if known else carrier

    def level(self, name: str) -> str:
        """A class level: 「入門」, "Introductory"."""
        level = next((lv for lv in self.knowledge.programme.levels if lv.name == name), None)
        return self.t("name.level", name=name, name_en=level.name_en if level else name)

    def shop(self, shop: Shop) -> str:
        """A shop's name; English readers also see the Japanese, which is what the sign says."""
        return self.t("name.shop", name=shop.name, name_en=shop.name_en)

    def phone(self, shop: Shop) -> str:
        """The shop's number, with its label (「フリーダイヤル」) when it has one."""
        if not shop.phone_label:
            return shop.phone
        return self.t("name.phone", phone=shop.phone, label=shop.phone_label.get(self.lang))
