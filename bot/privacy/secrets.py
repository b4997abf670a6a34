"""Finding and masking what a resident must never type into a chat.

Lives here: ``find`` (the secrets in a text, each with its kind and span) and ``mask`` (the
text with each secret's digits replaced by ``MASK``, and the kinds found), plus
``my_number_check_digit``. Three kinds:

- ``my_number`` — twelve digits (spaces or hyphens between groups allowed) whose last digit is
  the check digit of the first eleven, computed as 行政手続における特定の個人を識別するための番号の
  利用等に関する法律施行令 第八条 refers to, by 総務省令（平成26年総務省令第85号）第五条:
  P(n) the n-th of the first eleven digits counted from the right, Q(n) = n + 1 for n ≤ 6 and
  n − 5 for 7 ≤ n ≤ 11; with r = Σ P(n)·Q(n) mod 11, the check digit is 0 when r ≤ 1, else 11 − r.
  Twelve digits right after マイナンバー／個人番号 are masked even without a valid check digit.
- ``pin`` — four or six digits next to 暗証番号, パスワード, PIN, password or passcode.
- ``card`` — digits next to a health-insurance or card word (保険証, 被保険者, 保険者番号, 記号,
  カード番号, クレジット, 口座番号, card number, insurance …), and any 13 to 19 digits that pass
  the Luhn check (a payment card).

The text is read after NFKC (全角 digits count). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MASK = "＊＊＊＊"
_SEPS = "[ \u3000\\-‐‑–−ー－]"
_SEP = _SEPS + "?"
# twelve digits that are not part of a longer number (a card's sixteen, say)
_TWELVE = re.compile(rf"(?<!\d)(?<!\d{_SEPS})\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}(?!{_SEP}\d)")
_DIGIT_RUN = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{3,22}}(?!\d)")  # four digits or more, as typed
_PIN_WORDS = re.compile(
    r"暗証番号|あんしょう番号|パスワード|ぱすわーど|\bpin\b|pin\s*code|password|passcode|パスコード", re.I
)
_CARD_WORDS = re.compile(
    r"保険証|被保険者|保険者番号|記号|カード番号|クレジット|キャッシュカード|口座番号|口座|"
    r"card\s*number|card\s*no|credit\s*card|insurance|account\s*number",
    re.I,
)
_MY_NUMBER_WORDS = re.compile(r"マイナンバー|個人番号|my\s*number", re.I)
NEAR = 12  # characters between a word and its number that still count as "next to"
_COUNTED = re.compile(
    r"\s*(年|月|日|時|分|円|人|件|歳|才|回|枚|桁|文字|years?|yen)", re.I
)  # a year or an amount: no secret


@dataclass(frozen=True)
class Secret:
    kind: str  # my_number | pin | card
    start: int
    end: int


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of a My Number's first eleven digits (総務省令 第五条)."""
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        total += int(digit) * (n + 1 if n <= 6 else n - 5)
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_my_number(digits: str) -> bool:
    return len(digits) == 12 and digits.isdigit() and my_number_check_digit(digits[:11]) == int(digits[11])


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _near(words: re.Pattern, text: str, start: int, end: int) -> bool:
    """A word of ``words`` ends within NEAR characters before the number or starts within NEAR after."""
    before, after = text[max(0, start - NEAR - 12) : start], text[end : end + NEAR + 12]
    return any(len(before) - m.end() <= NEAR for m in words.finditer(before)) or any(
        m.start() <= NEAR for m in words.finditer(after)
    )


def _kind(text: str, start: int, end: int) -> str | None:
    digits = _digits(text[start:end])
    if _COUNTED.match(text, end):
        return None  # 「2024年」「1000円」 next to 保険証 is what the resident asks about
    if len(digits) == 12 and (is_my_number(digits) or _near(_MY_NUMBER_WORDS, text, start, end)):
        return "my_number"
    if len(digits) in (4, 6) and _near(_PIN_WORDS, text, start, end):
        return "pin"
    if _near(_CARD_WORDS, text, start, end) or (13 <= len(digits) <= 19 and _luhn(digits)):
        return "card"
    return None


def find(text: str) -> list[Secret]:
    """The secrets in ``text`` (already NFKC), in order."""
    found: list[Secret] = []
    taken: list[tuple[int, int]] = []
    for m in _TWELVE.finditer(text):
        if is_my_number(_digits(m.group())) or _near(_MY_NUMBER_WORDS, text, m.start(), m.end()):
            found.append(Secret("my_number", m.start(), m.end()))
            taken.append(m.span())
    for m in _DIGIT_RUN.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        kind = _kind(text, m.start(), m.end())
        if kind:
            found.append(Secret(kind, m.start(), m.end()))
    return sorted(found, key=lambda s: s.start)


def mask(text: str) -> tuple[str, list[str]]:
    """``text`` with every secret replaced by ``MASK``, and the kinds found (NFKC applied
    only when something was found, so other text reaches the engine as it was written)."""
    folded = unicodedata.normalize("NFKC", text)
    secrets = find(folded)
    if not secrets:
        return text, []
    out, last = [], 0
    for s in secrets:
        out += [folded[last : s.start], MASK]
        last = s.end
    out.append(folded[last:])
    return "".join(out), list(dict.fromkeys(s.kind for s in secrets))
