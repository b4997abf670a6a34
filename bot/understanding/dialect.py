"""山口弁 verb endings read as standard Japanese before the analyser sees a message.

The analyser knows 〜ている but not 〜ちょる: 「持っちょらん」 reads 持っ + ちょ + らむ, so the
negative (持っていない) is lost. ``standard`` rewrites the endings listed in
``knowledge/particles.yaml`` (``dialect_endings``), longest first, where they follow a verb's
te-form (っ, ん, し, い-row and e-row kana, or a kanji). Pure function over strings.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A te-form's last kana before 〜ちょる (持っ, 読ん, し, 受け, 見): never the start of a word.
_TE_FORM = "[っんしちきぎにびみりいけげせぜてでねべめれえ\u3400-\u9fff]"


@lru_cache(maxsize=4)
def _pattern(endings: tuple[tuple[str, str], ...]) -> re.Pattern | None:
    if not endings:
        return None
    alternatives = "|".join(re.escape(k) for k, _ in sorted(endings, key=lambda e: -len(e[0])))
    return re.compile(f"(?<={_TE_FORM})(?:{alternatives})")


def standard(text: str, endings: dict[str, str]) -> str:
    """``text`` with its 山口弁 te-form ``endings`` written as the standard ones."""
    pattern = _pattern(tuple(endings.items()))
    return pattern.sub(lambda m: endings[m.group(0)], text) if pattern else text
