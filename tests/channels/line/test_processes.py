"""Four real ``madoguchi line`` processes on one PostgreSQL database: every signed event is
answered exactly once, also when LINE redelivers it to a different process at the same
moment, and a conversation goes on across processes (what one process learnt, the next
one knows)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter

import aiohttp
import pytest

from tests.support import line_fake as lf

SECRET = "multi-process-channel-secret-0a1b2c3d"
PROCESSES = 4
EVENTS = 2000
USERS = 200
CONCURRENT = 100


async def _start(url: str, fake: lf.FakeLineApi) -> tuple[asyncio.subprocess.Process, str]:
    env = {
        **os.environ,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": fake.access_token,
        "LINE_API_BASE_URL": fake.url,
        "MADOGUCHI_DB": url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "line", "--port", "0", env=env, stdout=asyncio.subprocess.PIPE
    )
    first = (await asyncio.wait_for(proc.stdout.readline(), 90)).decode()
    assert "listening on http://127.0.0.1:" in first, first
    return proc, first.split("listening on ", 1)[1].split(" ", 1)[0]


@pytest.fixture
async def processes(postgres, postgres_demo, fake):
    url = await postgres.database(template=postgres_demo)
    started = await asyncio.gather(*(_start(url, fake) for _ in range(PROCESSES)))
    yield [hook for _, hook in started]
    for proc, _ in started:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc, _ in started:
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def _post(session: aiohttp.ClientSession, hook: str, event: dict) -> int:
    raw = lf.body(event)
    async with session.post(hook, data=raw, headers={"x-line-signature": lf.signature(raw, SECRET)}) as r:
        return r.status


async def test_every_event_is_answered_once_across_processes_and_redeliveries(processes, fake):
    users = [lf.user_id(f"multi-{n}") for n in range(USERS)]
    events = [lf.text(users[i % USERS], "宇部のドコモ") for i in range(EVENTS)]
    # Each event to one process and, at the same moment, its redelivery to the next one.
    posts = []
    for i, e in enumerate(events):
        again = {**e, "deliveryContext": {"isRedelivery": True}}
        posts += [(processes[i % PROCESSES], e), (processes[(i + 1) % PROCESSES], again)]
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(hook, event):
        async with gate:
            return await _post(session, hook, event)

    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(*(one(h, e) for h, e in posts))
    assert Counter(statuses) == {200: 2 * EVENTS}
    tokens = {e["replyToken"] for e in events}
    await fake.wait_for(lambda: len(fake.to("reply")) + len(fake.to("push")) >= EVENTS, timeout=120)
    await asyncio.sleep(0.5)  # a duplicate would come now
    replies = Counter(c.body.get("replyToken") for c in fake.to("reply"))
    assert set(replies) == tokens and max(replies.values()) == 1
    assert fake.to("push") == []
    assert all("0120-173-053" in c.body["messages"][0]["text"] for c in fake.to("reply"))


async def test_a_conversation_goes_on_from_one_process_to_the_next(processes, fake):
    user = lf.user_id("wanderer")
    async with aiohttp.ClientSession() as session:
        asked = lf.text(user, "スマホ教室に行きたい")
        assert await _post(session, processes[0], asked) == 200
        await fake.wait_for(lambda: fake.reply_to(asked["replyToken"]), timeout=30)
        city = lf.text(user, "宇部市")
        assert await _post(session, processes[1], city) == 200
        call = await fake.wait_for(lambda: fake.reply_to(city["replyToken"]), timeout=30)
    text = call.body["messages"][0]["text"]
    assert "宇部" in text and "教室" in text, text  # the second process knew the first question
