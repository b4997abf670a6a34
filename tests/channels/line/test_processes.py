"""Four real ``madoguchi line`` processes on one PostgreSQL database, behind one loopback
port (a round-robin splitter, as nginx would be): every signed event is answered exactly once,
also when LINE redelivers it at the same moment and the splitter hands it to a different
process, and a conversation goes on across processes (what one process learnt, the next one
knows)."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import pytest

from tests.support import line_fake as lf
from tests.support.line_processes import post, start, stop
from tests.support.port_splitter import PortSplitter

PROCESSES = 4
EVENTS = 2000
USERS = 200
CONCURRENT = 100


@pytest.fixture
async def processes(postgres, postgres_demo, fake):
    url = await postgres.database(template=postgres_demo)
    started = await asyncio.gather(*(start(url, fake) for _ in range(PROCESSES)))
    yield [hook for _, hook in started]
    await stop([proc for proc, _ in started])


async def test_every_event_is_answered_once_across_processes_and_redeliveries(processes, fake):
    splitter = await PortSplitter(processes).start()
    users = [lf.user_id(f"multi-{n}") for n in range(USERS)]
    events = [lf.text(users[i % USERS], "宇部のドコモ") for i in range(EVENTS)]
    # Each event and, at the same moment, its redelivery: one connection each, so the
    # splitter hands them to processes in turn.
    posts = []
    for e in events:
        posts += [e, {**e, "deliveryContext": {"isRedelivery": True}}]
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(event):
        async with gate:
            return await post(session, splitter.url(), event)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        statuses = await asyncio.gather(*(one(e) for e in posts))
    await splitter.close()
    assert Counter(statuses) == {200: 2 * EVENTS}
    assert sorted(splitter.connections) == list(range(PROCESSES))
    assert min(splitter.connections.values()) >= 2 * EVENTS / PROCESSES * 0.9  # every process took its share
    crossed = sum(len(set(backends)) == 2 for backends in splitter.events.values())
    print(f"redeliveries handed to a different process than the first delivery: {crossed} of {EVENTS}")
    assert len(splitter.events) == EVENTS and crossed >= EVENTS / 2
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
        assert await post(session, processes[0], asked) == 200
        await fake.wait_for(lambda: fake.reply_to(asked["replyToken"]), timeout=30)
        city = lf.text(user, "宇部市")
        assert await post(session, processes[1], city) == 200
        call = await fake.wait_for(lambda: fake.reply_to(city["replyToken"]), timeout=30)
    text = call.body["messages"][0]["text"]
    assert "宇部" in text and "教室" in text, text  # the second process knew the first question
