"""The conversation test set, replayed through the core engine and through
``madoguchi chat --jsonl`` (the same answers both ways)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.messages import IncomingMessage
from tests.conftest import NOW
from tests.support.conversations import load_cases, problems, visible

CASES = load_cases()


def test_the_set_is_large_and_varied():
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    assert sum(len(c.turns) > 1 for c in CASES) >= 20, "multi-turn follow-ups"
    for case in CASES:
        for turn in case.turns:
            assert turn.all or turn.any, f"{case.id}: a turn must assert what the answer contains"


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=f"known miss: {case.known_miss}")] if case.known_miss else []
    return pytest.param(case, id=case.id, marks=marks)


async def _replay(app, case) -> None:
    for n, turn in enumerate(case.turns, 1):
        replies = await app.engine.handle(IncomingMessage(f"test:{case.id}", text=turn.say, lang=case.lang))
        assert replies, f"{case.id} turn {n}: no reply"
        wrong = problems(turn, visible(replies))
        assert not wrong, f"{case.id} turn {n} ({turn.say[:40]!r}): {wrong}\n--- reply ---\n{visible(replies)}"


# The set measures understanding: it runs on SQLite, and every tenth case on PostgreSQL too
# (the same answers from either store).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
async def test_conversation(app, case):
    await _replay(app, case)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("case", [_param(c) for c in CASES[::10]])
async def test_conversation_on_postgresql(app, case):
    await _replay(app, case)


def test_the_whole_set_through_jsonl(tmp_path):
    """Every case through the real ``madoguchi chat --jsonl`` process, in one run."""
    lines, expected = [], []
    for case in CASES:
        if case.known_miss:
            continue
        for turn in case.turns:
            msg = {"user": case.id, "text": turn.say}
            if case.lang:
                msg["lang"] = case.lang
            lines.append(json.dumps(msg, ensure_ascii=False))
            expected.append((case.id, turn))
    # The process runs at the suite's fixed time, so its demo classes are the engine's.
    env = {**os.environ, "MADOGUCHI_DB": str(tmp_path / "jsonl.db"), "MADOGUCHI_FIXED_NOW": NOW.isoformat()}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--demo"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    outputs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(outputs) == len(lines)
    failures = []
    for (case_id, turn), out in zip(expected, outputs):
        assert out["user"] == case_id
        wrong = problems(turn, visible(out["replies"]))
        if wrong:
            failures.append(f"{case_id}: {wrong}")
    assert not failures, "\n".join(failures[:30])
