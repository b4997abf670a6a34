"""The core's conversation test set replayed through the Telegram adapter: every turn goes
in as a Telegram update through PTB's real Application and is judged on what the fake
Bot API recorded. The answers must be the core's own: the same checks pass, and the texts
sent are exactly the texts the engine gives on its own."""

from __future__ import annotations

from bot.channels.telegram.settings import Limits
from bot.messages import IncomingMessage
from tests.support.conversations import load_cases, problems

# Skipped: known misses (xfail in the core's own run) and cases that test the message's
# ``lang`` field — a Telegram message has none (the resident's words decide, as in the core
# when no lang is given; /lang en is how a resident asks for English).
CASES = [c for c in load_cases() if not c.known_miss and c.lang is None]


async def test_the_conversation_set_gives_the_same_answers_on_telegram(make_tg):
    tg = await make_tg(Limits.unlimited())  # pacing is not under test here; answers are
    failures, differences = [], []
    for n, case in enumerate(CASES):
        chat = 10_000 + n
        for i, turn in enumerate(case.turns, 1):
            calls = await tg.send(tg.updates.text(chat, turn.say))
            seen = tg.api.visible(calls)
            wrong = problems(turn, seen)
            if wrong:
                failures.append(f"{case.id} turn {i} ({turn.say[:30]!r}): {wrong}\n{seen[:300]}")
            core = await tg.app.engine.handle(IncomingMessage(f"core:{case.id}", text=turn.say))
            sent = [c.params["text"] for c in calls if c.method == "sendMessage"]
            if "\n".join(sent) != "\n".join(r.text for r in core):
                differences.append(f"{case.id} turn {i}: telegram {sent!r} != core {[r.text for r in core]!r}")
    assert len(CASES) >= 150
    assert not failures, f"{len(failures)} turns fail on Telegram:\n" + "\n".join(failures[:10])
    assert not differences, "\n".join(differences[:10])
