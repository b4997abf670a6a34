"""The core stays platform-neutral: only bot/channels may import a platform SDK."""

import re
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
SDK = re.compile(r"^\s*(from|import)\s+(telegram|linebot)\b", re.M)


def test_no_platform_sdk_outside_channels():
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "channels" not in path.parts and SDK.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_loading_the_core_loads_no_sdk():
    code = (
        "import sys, bot.app, bot.dialogue.engine, bot.channels.console;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('telegram','linebot','pykakasi')];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_module_says_what_lives_there():
    missing = [
        str(p.relative_to(BOT))
        for p in BOT.rglob("*.py")
        if not p.read_text(encoding="utf-8").lstrip().startswith('"""')
    ]
    assert missing == []
