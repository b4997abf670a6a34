"""The channel contract, held to on the conversation set: the same turns replayed over the
console (JSON lines), Telegram (PTB's real ``Application`` over a fake ``BaseRequest``) and
LINE (signed webhooks over real HTTP, line-bot-sdk's real client against the loopback fake)
must give the same answers — the same words in every reply, each passing the case's
checks, each within its platform's limits.

Replayed: a fixed sample — every third case of tests/conversations/*.yaml, known misses
and the cases that set ``lang`` left out (Telegram and LINE messages carry no language; the
words decide) — so that the test takes seconds; the core's own run (tests/test_conversations.py)
checks every case.
"""

from __future__ import annotations

import asyncio
import io
import json
import re

from bot.channels.console import run_jsonl
from bot.channels.line.render import MAX_LABEL, MAX_QUICK_REPLIES
from tests.channels.line.conftest import running_line
from tests.channels.telegram.conftest import Harness
from tests.support import line_fake as lf
from tests.support.conversations import load_cases, problems, visible
from tests.support.line_fake import FakeLineApi
from tests.support.telegram_fake import UNLIMITED

CASES = [c for c in load_cases() if not c.known_miss and c.lang is None][::3]


def words(texts: list[str]) -> str:
    """The words of the replies' texts, as every channel must carry them: whitespace aside
    (Telegram splits at 4,096 units, LINE joins bubbles when more than five)."""
    return re.sub(r"\s+", "", "".join(texts))


async def over_console(engine) -> dict[tuple[str, int], tuple[list[str], str]]:
    """Every case's turns as JSON lines through ``madoguchi chat --jsonl``'s loop."""
    lines = [
        json.dumps({"user": f"c-{case.id}", "text": turn.say}, ensure_ascii=False)
        for case in CASES
        for turn in case.turns
    ]
    out = io.StringIO()
    await run_jsonl(engine, io.BytesIO("\n".join(lines).encode("utf-8") + b"\n"), out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    keys = [(case.id, n) for case in CASES for n in range(len(case.turns))]
    assert len(answers) == len(keys)
    return {key: ([r["text"] for r in a["replies"]], visible(a["replies"])) for key, a in zip(keys, answers)}


async def over_telegram(tg: Harness) -> dict[tuple[str, int], tuple[list[str], str]]:
    seen = {}
    for chat, case in enumerate(CASES, 10_000):
        for n, turn in enumerate(case.turns):
            calls = await tg.send(tg.updates.text(chat, turn.say))
            seen[case.id, n] = ([c.params["text"] for c in calls if c.method == "sendMessage"], tg.api.visible(calls))
    return seen


async def over_line(line, limits: list[str]) -> dict[tuple[str, int], tuple[list[str], str]]:
    seen = {}
    gate = asyncio.Semaphore(16)

    async def replay(case) -> None:
        async with gate:
            user = lf.user_id(f"contract:{case.id}")
            for n, turn in enumerate(case.turns):
                messages = (await line.send(lf.text(user, turn.say))).messages
                items = [i for m in messages for i in (m.get("quickReply") or {}).get("items", [])]
                if lf.problems(messages) or len(items) > MAX_QUICK_REPLIES:
                    limits.append(f"{case.id} turn {n + 1}: {lf.problems(messages)}, {len(items)} quick replies")
                limits.extend(
                    f"{case.id}: label {i['action']['label']!r}" for i in items if len(i["action"]["label"]) > MAX_LABEL
                )
                seen[case.id, n] = ([m["text"] for m in messages if m["type"] == "text"], lf.visible(messages))

    await asyncio.gather(*(replay(case) for case in CASES))
    return seen


async def test_console_telegram_and_line_give_the_same_answers(app, tmp_path):
    tg = Harness(app, tmp_path, UNLIMITED)  # pacing is not under test here; answers are
    await tg.application.initialize()
    limits: list[str] = []
    try:
        async with FakeLineApi() as fake, running_line(app, fake) as line:
            console, telegram, on_line = await asyncio.gather(
                over_console(app.engine), over_telegram(tg), over_line(line, limits)
            )
            replied = len(fake.to("reply"))
    finally:
        await tg.application.shutdown()
    failures = []
    for case in CASES:
        for n, turn in enumerate(case.turns):
            where = f"{case.id} turn {n + 1} ({turn.say[:30]!r})"
            answers = {"console": console[case.id, n], "telegram": telegram[case.id, n], "line": on_line[case.id, n]}
            for channel, (_, shown) in answers.items():
                wrong = problems(turn, shown)
                if wrong:
                    failures.append(f"{where} on {channel}: {wrong}")
            said = {channel: words(texts) for channel, (texts, _) in answers.items()}
            if len(set(said.values())) != 1:
                failures.append(f"{where}: the channels differ: {said}")
    turns = sum(len(c.turns) for c in CASES)
    assert len(CASES) >= 50 and sum(len(c.turns) > 1 for c in CASES) >= 5  # multi-turn ones too
    assert replied == turns
    assert not limits, "\n".join(limits[:10])
    assert not failures, f"{len(failures)} of {turns} turns:\n" + "\n".join(failures[:15])
