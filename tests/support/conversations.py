"""The conversation test set (tests/conversations/*.yaml): loading and checking.

A case is a list of turns; each turn says something and expects strings in the
reply (``all``, ``any``, ``none``), matched case-insensitively after NFKC on both
sides. ``say_repeat: {text, times}`` stands for a very long message.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.messages import Reply

CONVERSATIONS = Path(__file__).resolve().parent.parent / "conversations"


@dataclass(frozen=True)
class Turn:
    say: str
    all: tuple[str, ...]
    any: tuple[str, ...]
    none: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    lang: str | None
    turns: tuple[Turn, ...]
    known_miss: str | None = None  # a miss we know of and have not fixed yet (reported as xfail)


HELD_OUT_PERCENT = 30  # the share of cases in the held-out part


def part_of(case: Case) -> str:
    """``"held-out"`` or ``"tuning"``: a fixed split by the case id's SHA-1 (its first byte,
    below 30 % of 256, is held out). Tune understanding only on the tuning part; the held-out
    part measures how well that generalises (``benchmarks/accuracy.py``)."""
    first = hashlib.sha1(case.id.encode("utf-8")).digest()[0]
    return "held-out" if first * 100 < HELD_OUT_PERCENT * 256 else "tuning"


def _turn(raw: dict) -> Turn:
    if "say_repeat" in raw:
        say = raw["say_repeat"]["text"] * raw["say_repeat"]["times"]
    else:
        say = raw["say"]
    expect = raw.get("expect") or {}
    return Turn(
        say="" if say is None else str(say),
        all=tuple(str(s) for s in expect.get("all", [])),
        any=tuple(str(s) for s in expect.get("any", [])),
        none=tuple(str(s) for s in expect.get("none", [])),
    )


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CONVERSATIONS.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
            turns = tuple(_turn(t) for t in raw["turns"])
            cases.append(Case(raw["id"], path.name, raw.get("lang"), turns, raw.get("known_miss")))
    return cases


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def visible(replies: list[Reply] | list[dict]) -> str:
    """Everything a resident sees in the replies (objects or JSON-lines dicts)."""
    parts = []
    for r in replies:
        if isinstance(r, Reply):
            parts.append(r.visible_text())
        else:
            parts.append(r["text"])
            parts += [b["label"] for b in r.get("buttons", [])]
            parts += [f"{link['label']} {link['url']}" for link in r.get("links", [])]
    return "\n".join(parts)


def problems(turn: Turn, seen: str) -> list[str]:
    """What the reply text ``seen`` gets wrong for ``turn`` (empty when it passes)."""
    text = _norm(seen)
    out = [f"missing {s!r}" for s in turn.all if _norm(s) not in text]
    if turn.any and not any(_norm(s) in text for s in turn.any):
        out.append(f"none of {list(turn.any)!r}")
    out += [f"unexpected {s!r}" for s in turn.none if _norm(s) in text]
    return out
