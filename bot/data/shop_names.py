"""Which listed shop a message names by the words of its own name: 「山の田のソフトバンク」,
「イオン防府の3階の」, 「ゆめタウンの方は？」. A shop's own words are its name without the
carrier's name and the municipality's (ソフトバンク下関山の田 → 山の田); a message names the shop
when it holds a piece of them (two characters with a kanji or katakana, or three kana); words
of many shops' names (ショップ, 店, 前, 駅) are no own words. Pure computation over the shops it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.data.schema import Shop
from bot.understanding.normalize import fold

# Words of many shops' names: dropped from the own words (longest first, so ショップ before 店).
GENERIC = ("ショップ", "しょっぷ", "shop", "本店", "支店", "駅前", "ビル", "店", "前", "駅", "階")
_STRONG_RE = re.compile(r"[\u3400-\u9fff\u30a0-\u30ff]")


def own_words(name: str, drop: Iterable[str]) -> str:
    """A shop's ``name`` (folded) without the words of ``drop`` (its carrier's and its places' names)."""
    name = fold(name, keep_katakana=True)
    for word in sorted({fold(w, keep_katakana=True) for w in drop}, key=len, reverse=True):
        if word:
            name = name.replace(word, " ")
    return re.sub(r"\s+", " ", name).strip()


def _piece_counts(piece: str) -> bool:
    return len(piece) >= 3 or (len(piece) == 2 and bool(_STRONG_RE.search(piece)))


def longest_piece(words: str, message: str) -> int:
    """The length of the longest piece of ``words`` found in ``message`` that counts."""
    best = 0
    for part in words.split(" "):
        for size in range(len(part), best, -1):
            if any(
                _piece_counts(part[i : i + size]) and part[i : i + size] in message for i in range(len(part) - size + 1)
            ):
                best = size
                break
    return best


class ShopNames:
    """The own words of shops, worked out once a shop (by name) and kept."""

    def __init__(self, carrier_aliases: dict[str, list[str]], place_names: dict[str, list[str]]):
        """``carrier_aliases``: each carrier's names; ``place_names``: each municipality's names."""
        self._carriers = carrier_aliases
        self._places = place_names
        self._words: dict[tuple[str, str | None, str], str] = {}

    def words(self, shop: Shop) -> str:
        key = (shop.name, shop.carrier, shop.municipality)
        words = self._words.get(key)
        if words is None:
            drop = [*self._carriers.get(shop.carrier or "", ()), *self._places.get(shop.municipality, ())]
            words = self._words[key] = own_words(shop.name, [*drop, *GENERIC])
        return words

    def named(self, shops: Iterable[Shop], message: str) -> list[Shop]:
        """The shops whose own words the message holds the longest piece of (none: no shop
        named). ``message`` is folded keeping katakana (``normalize.fold(text, keep_katakana=True)``)."""
        scored = [(longest_piece(self.words(shop), message), shop) for shop in shops]
        top = max((size for size, _ in scored), default=0)
        return [shop for size, shop in scored if size == top] if top else []
