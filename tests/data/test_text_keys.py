"""Every text key the code asks for is in ``knowledge/texts.yaml``, in Japanese and English.

Scans the modules whose words moved to ``texts.yaml`` — ``bot/broadcast/texts.py``,
``bot/broadcast/reminders.py``, ``bot/broadcast/digest.py``, ``bot/classes/export.py``,
``bot/classes/days.py``, ``bot/languages/wording.py``, the class and reminder skills (``turn.t``/``turn.button``) and the
Telegram channel's texts with their callers — for the keys they use, so a typo or a removed
text fails here rather than in front of a resident, and ``bot.data.text_keys.REQUIRED`` (which
loading checks a knowledge folder against) is every key the code names anywhere; and every text of those families
(``weekdays``, ``day_label``, ``time_range``, ``list.sep``, ``date.*``, ``name.*``, ``broadcast.*``, ``reminder.*``, ``remind.*``, ``digest.*``,
``newsletter.*``, ``telegram.*``) is used by some code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.channels.telegram.texts import COMMAND_NAMES, PREFIX
from bot.data.text_keys import REQUIRED

BOT = Path(__file__).resolve().parents[2] / "bot"
# Modules that name their keys in full (``knowledge.text("reminder.head", …)``).
FULL_KEYS = [
    BOT / "broadcast" / "texts.py",
    BOT / "broadcast" / "shortfall.py",
    BOT / "broadcast" / "reminders.py",
    BOT / "broadcast" / "digest.py",
    BOT / "classes" / "export.py",
    BOT / "classes" / "days.py",
    BOT / "languages" / "wording.py",
    BOT / "staff" / "chat.py",
]
FULL_KEY = re.compile(
    r"^(weekdays|day_label|time_range|list\.sep|(broadcast|reminder|remind|digest|newsletter|telegram|staff|date|name)(\.[a-z_]+)+)$"
)
# Skills that ask ``turn.t("<key>", …)`` / ``turn.button("<key>", …)``.
TURN_KEYS = [BOT / "dialogue" / "skills" / "classes.py", BOT / "dialogue" / "skills" / "reminders.py"]
# Modules that call ``bot.channels.telegram.texts.t(knowledge, "<key without telegram.>", lang)``.
TELEGRAM_T = re.compile(r"^from bot\.channels\.telegram\.texts import .*\bt\b", re.M)
DYNAMIC = ("broadcast.channel.",)  # ``broadcast.channel.<channel id>``: a missing one shows the id


def _strings(node: ast.AST) -> list[str]:
    """The string(s) an argument can be: a literal, or either side of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def full_keys(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and FULL_KEY.match(n.value)
    }


def telegram_keys(path: Path) -> set[str]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "t"
            and len(node.args) >= 2
        ):
            keys |= {PREFIX + key for key in _strings(node.args[1])}
    return keys


def turn_keys(path: Path) -> set[str]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("t", "button")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "turn"
            and node.args
        ):
            keys |= set(_strings(node.args[0]))
    return keys


def named_keys(path: Path) -> set[str]:
    """The literal keys of every ``x.t("<key>")``, ``x.button("<key>", …)``, ``x.text("<key>", …)``
    and ``x.has_text("<key>")`` of a module (``bot.data.text_keys.REQUIRED`` holds them all)."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("t", "button", "text", "has_text")
            and node.args
        ):
            keys |= set(_strings(node.args[0]))
    return keys


def used_keys() -> dict[str, set[str]]:
    """Key → the modules (relative to bot/) that use it."""
    used: dict[str, set[str]] = {}
    for scan, paths in ((full_keys, FULL_KEYS), (turn_keys, TURN_KEYS)):
        for path in paths:
            for key in scan(path):
                used.setdefault(key, set()).add(str(path.relative_to(BOT)))
    for path in sorted(BOT.rglob("*.py")):
        if TELEGRAM_T.search(path.read_text(encoding="utf-8")):
            for key in telegram_keys(path):
                used.setdefault(key, set()).add(str(path.relative_to(BOT)))
    for name in COMMAND_NAMES:
        used.setdefault(f"{PREFIX}command.{name}", set()).add("channels/telegram/texts.py")
    return used


def test_the_scan_finds_the_keys():
    used = used_keys()
    assert {
        "reminder.head",
        "weekdays",
        "broadcast.report.retry_failed",
        "broadcast.kind.digest",
        "broadcast.kind.text",
        "telegram.flood",
        "staff.stats",
        "telegram.command.forget",
    } <= set(used)
    assert used["staff.not_permitted"] == {"staff/chat.py"}
    assert used["telegram.help"] == {"channels/telegram/handlers.py"}
    assert {"digest.head", "digest.foot", "newsletter.lead", "newsletter.none", "newsletter.foot"} <= set(used)
    assert used["day_label"] == used["weekdays"] == {"languages/wording.py"}
    assert {"class_entry", "seats_full", "filter.end", "button.subscribe"} <= {
        key for key, where in used.items() if "dialogue/skills/classes.py" in where
    }


def test_the_required_texts_are_the_keys_the_code_names():
    # Loading refuses a folder without one of them (bot.data.text_keys, TextFile's checks).
    named = set().union(*(named_keys(path) for path in BOT.rglob("*.py")))
    assert sorted(REQUIRED) == sorted(named | set(used_keys()))
    assert "subscribe_ask" in REQUIRED  # asked by the subscriptions skill, which no list named before


def test_every_key_used_exists_in_japanese_and_english(knowledge):
    missing = {key: where for key, where in used_keys().items() if not knowledge.has_text(key)}
    assert missing == {}
    for key in used_keys():
        template = knowledge.texts.texts[key]
        assert template.ja.strip() and template.en.strip(), key


def test_every_text_of_the_scanned_families_is_used(knowledge):
    used = set(used_keys())
    unused = [
        key for key in knowledge.texts.texts if FULL_KEY.match(key) and key not in used and not key.startswith(DYNAMIC)
    ]
    assert unused == []
