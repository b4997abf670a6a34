"""The channel border, checked on the source: a channel never imports the dialogue state or
the store (it talks to the core through ``bot.channels.base`` and the engine), every
channel module or package under ``bot/channels/`` is in the one registry, the registry's
commands and senders exist, and the core outside the channels imports no platform SDK."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from bot.channels.registry import CHANNELS

ROOT = Path(__file__).resolve().parents[2] / "bot"
CHANNELS_DIR = ROOT / "channels"
SHARED = {"__init__", "base", "registry", "http"}  # the contract and the shared HTTP site, not channels
FORBIDDEN = ("bot.dialogue.state", "bot.store")
SDKS = ("telegram", "linebot")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def channel_files() -> list[Path]:
    return sorted(CHANNELS_DIR.rglob("*.py"))


def channel_modules() -> set[str]:
    """``bot.channels.X`` for every module or package directly under bot/channels/."""
    names = {p.stem for p in CHANNELS_DIR.glob("*.py")} | {
        p.name for p in CHANNELS_DIR.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    return {f"bot.channels.{name}" for name in names - SHARED}


@pytest.mark.parametrize("path", channel_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_channel_neither_reads_dialogue_state_nor_touches_the_store(path):
    bad = {m for m in imports(path) if m in FORBIDDEN or m.startswith(tuple(f + "." for f in FORBIDDEN))}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: go through the engine or bot.channels.base"


def test_every_channel_is_in_the_registry():
    registered = {info.module for info in CHANNELS}
    assert channel_modules() - registered == set(), "add the channel to bot/channels/registry.py"
    assert registered <= channel_modules()


@pytest.mark.parametrize("info", CHANNELS, ids=lambda i: i.name)
def test_the_registry_names_what_exists(info):
    for module in (info.module, info.command, info.sender):
        assert module is None or importlib.util.find_spec(module) is not None, module


def test_the_core_imports_no_platform_sdk():
    for path in sorted(ROOT.rglob("*.py")):
        if CHANNELS_DIR in path.parents:
            continue
        bad = {m for m in imports(path) if m.split(".")[0] in SDKS}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_check_catches_a_channel_that_reads_state(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from bot.dialogue.state import ConversationState\nimport bot.store.residents\n")
    assert {"bot.dialogue.state", "bot.store.residents"} <= imports(sneaky)


# A channel is a thin adapter: what is not its platform's belongs to the core (issue 10's budget).
LINE_BUDGET = {"telegram": 1400, "line": 1000}


@pytest.mark.parametrize("channel", sorted(LINE_BUDGET))
def test_a_channel_package_stays_within_its_line_budget(channel):
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (CHANNELS_DIR / channel).rglob("*.py"))
    assert lines <= LINE_BUDGET[channel], f"bot/channels/{channel}: {lines} lines (budget {LINE_BUDGET[channel]})"
