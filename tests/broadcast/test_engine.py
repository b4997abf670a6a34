"""The broadcast engine: recipients fixed at the start, every delivery recorded, blocked
residents skipped, retries with backoff, batches, a crash (in process) and a clean stop
resumed from the database with nothing lost and nothing twice but what was in flight — and,
on virtual time, the same send times however slowly the database answers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from bot.broadcast.engine import Backoff, BroadcastBusy, BroadcastEngine
from bot.broadcast.sender import Result
from bot.store.backend import open_database
from bot.store.broadcasts import BroadcastStore
from bot.store.bundle import Stores
from bot.store.database import Database
from bot.store.residents import ResidentStore
from tests.support.broadcast_fake import FakeSender
from tests.support.clock import VirtualTime
from tests.support.staff import subscribe

FAST = Backoff(base=0.001, cap=0.01, jitter=0.0)
KEYS = [f"fake:{i:04d}" for i in range(60)]


async def new_broadcast(db, keys=KEYS, city="宇部市", text="お知らせです") -> int:
    await subscribe(db, city, keys)
    return await BroadcastStore(db).create("cli:admin", city, "text", text)


def engine(db, *senders, **options) -> BroadcastEngine:
    options.setdefault("backoff", FAST)
    return BroadcastEngine(Stores.over(db), {s.channel: s for s in senders}, **options)


async def test_every_recipient_once_and_every_delivery_recorded(db):
    bid = await new_broadcast(db)
    sender = FakeSender()
    seen = []
    report = await engine(db, sender, progress=seen.append).run(bid)
    assert Counter(sender.sent_keys()) == Counter(KEYS)
    assert (report.total, report.sent, report.failed, report.blocked, report.pending) == (60, 60, 0, 0, 0)
    assert report.finished and report.resent == 0
    store = BroadcastStore(db)
    assert (await store.get(bid)).status == "done"
    rows = await store.deliveries(bid)
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}
    assert seen[-1].done == 60 and {c.text for c in sender.calls} == {"お知らせです"}


async def test_recipients_are_fixed_when_the_broadcast_starts(db):
    bid = await new_broadcast(db, KEYS[:10])
    eng = engine(db, FakeSender())
    assert await eng.start(bid) == 10
    await subscribe(db, "宇部市", ["fake:late"])
    await ResidentStore(db).unsubscribe(KEYS[0])  # fixed: still receives this one
    report = await eng.run(bid)
    assert report.total == 10 and report.sent == 10


async def test_blocked_residents_are_skipped_and_new_blocks_are_remembered(db):
    await subscribe(db, "宇部市", KEYS[:5])
    await ResidentStore(db).set_blocked(KEYS[0], True)  # the channel saw them block the bot
    store = BroadcastStore(db)
    bid = await store.create("cli:admin", "宇部市", "text", "一回目")
    sender = FakeSender(outcomes={KEYS[1]: Result.blocked("Forbidden: bot was blocked by the user")})
    report = await engine(db, sender).run(bid)
    assert KEYS[0] not in sender.sent_keys()
    assert (report.total, report.sent, report.blocked) == (4, 3, 1)
    assert await ResidentStore(db).is_blocked(KEYS[1])
    again = FakeSender()
    report = await engine(db, again).run(await store.create("cli:admin", "宇部市", "text", "二回目"))
    assert sorted(again.sent_keys()) == KEYS[2:5] and report.total == 3


async def test_passing_trouble_is_retried_with_backoff_then_given_up(db):
    bid = await new_broadcast(db, KEYS[:3])
    flaky = [Result.retry("502 Bad Gateway"), Result.retry("timeout"), Result.sent()]
    sender = FakeSender(
        outcomes={KEYS[0]: flaky, KEYS[1]: Result.retry("500"), KEYS[2]: Result.failed("chat not found")}
    )
    report = await engine(db, sender, max_attempts=4).run(bid)
    assert (report.sent, report.failed) == (1, 2) and report.finished
    rows = {r["user_key"]: r for r in await BroadcastStore(db).deliveries(bid)}
    assert (rows[KEYS[0]]["status"], rows[KEYS[0]]["attempts"]) == ("sent", 3)
    assert (rows[KEYS[1]]["status"], rows[KEYS[1]]["attempts"]) == ("failed", 4)
    assert rows[KEYS[1]]["last_error"] == "500 (4 attempts)"
    assert (rows[KEYS[2]]["attempts"], rows[KEYS[2]]["last_error"]) == (1, "chat not found")
    assert dict(report.errors) == {"500 (4 attempts)": 1, "chat not found": 1}


async def test_an_exception_from_the_sender_is_a_retry_for_the_batch(db):
    bid = await new_broadcast(db, KEYS[:5])
    sender = FakeSender(fail_calls=2)
    report = await engine(db, sender).run(bid)
    assert report.sent == 5 and len(sender.calls) == 7


async def test_retry_after_pauses_the_whole_channel(db):
    bid = await new_broadcast(db, KEYS[:3])
    sender = FakeSender(
        concurrency=1, outcomes={KEYS[0]: [Result.retry("429 Too Many Requests", retry_after=0.3), Result.sent()]}
    )
    report = await engine(db, sender).run(bid)
    assert report.sent == 3
    first, *rest = sender.calls
    assert all(c.at - first.at >= 0.29 for c in rest)


async def test_line_sized_batches(db):
    keys = [f"line:U{i:05d}" for i in range(1201)]
    bid = await new_broadcast(db, keys)
    sender = FakeSender(channel="line", max_batch=500, concurrency=2)
    report = await engine(db, sender).run(bid)
    assert sorted(len(c.keys) for c in sender.calls) == [201, 500, 500]
    assert report.sent == 1201 and Counter(sender.sent_keys()) == Counter(keys)
    assert len({c.key for c in sender.calls}) == 3 and all(
        c.key.startswith(f"madoguchi-broadcast-{bid}-") for c in sender.calls
    )


async def test_rate_and_per_chat_interval_are_honoured(db):
    bid = await new_broadcast(db, KEYS[:12])
    sender = FakeSender(
        rate_per_s=20,
        per_recipient_interval=1.0,
        concurrency=8,
        outcomes={KEYS[0]: [Result.retry("flood"), Result.sent()]},
    )
    await engine(db, sender).run(bid)
    times = sorted(c.at for c in sender.calls)
    assert all(b - a >= 0.9 / 20 - 1e-6 for a, b in zip(times, times[1:]))
    to_first = [c.at for c in sender.calls if KEYS[0] in c.keys]
    assert len(to_first) == 2 and to_first[1] - to_first[0] >= 1.0


async def test_a_channel_without_a_sender_is_recorded_failed_and_sent_later(db):
    await subscribe(db, "宇部市", ["fake:1", "line:U1", "line:U2"])
    bid = await BroadcastStore(db).create("cli:admin", "宇部市", "text", "お知らせ")
    report = await engine(db, FakeSender()).run(bid)
    assert (report.sent, report.failed, report.finished) == (1, 2, True)
    assert report.errors[0][0].endswith("no sender configured for channel line")
    line = FakeSender(channel="line")
    report = await engine(db, FakeSender(), line).run(bid, retry_failed=True)
    assert (report.sent, report.failed) == (3, 0) and sorted(line.sent_keys()) == ["line:U1", "line:U2"]


async def test_only_the_chosen_channels(db):
    await subscribe(db, "宇部市", ["fake:1", "line:U1"])
    bid = await BroadcastStore(db).create("cli:admin", "宇部市", "text", "x", channels=["line"])
    report = await engine(db, FakeSender(), FakeSender(channel="line")).run(bid)
    assert report.total == 1 and report.sent == 1


async def test_a_crash_in_the_middle_resumes_with_only_the_in_flight_twice(db):
    bid = await new_broadcast(db)
    slow = FakeSender(delay=0.02, concurrency=4)
    task = asyncio.create_task(engine(db, slow).run(bid))
    while len(slow.calls) < 20:
        await asyncio.sleep(0.005)
    task.cancel()  # as good as a crash: nothing is cleaned up
    with pytest.raises(asyncio.CancelledError):
        await task
    store = BroadcastStore(db)
    in_flight = {r["user_key"] for r in await store.deliveries(bid, "in_flight")}
    sent_before = {r["user_key"] for r in await store.deliveries(bid, "sent")}
    assert in_flight and sent_before and (await store.get(bid)).status == "sending"
    resumed = FakeSender()
    report = await engine(db, resumed).run(bid)
    assert report.finished and report.sent == 60 and report.resent == len(in_flight)
    counts = Counter(slow.sent_keys() + resumed.sent_keys())
    assert set(counts) == set(KEYS)
    assert {k for k, n in counts.items() if n > 1} <= in_flight
    assert not sent_before & set(resumed.sent_keys())


async def test_a_clean_stop_pauses_and_sends_nothing_twice(db):
    bid = await new_broadcast(db)
    stop = asyncio.Event()
    first = FakeSender(delay=0.01, concurrency=2)
    task = asyncio.create_task(engine(db, first).run(bid, stop=stop))
    while len(first.calls) < 10:
        await asyncio.sleep(0.005)
    stop.set()
    report = await task
    assert not report.finished and report.pending > 0
    store = BroadcastStore(db)
    assert (await store.get(bid)).status == "paused"
    assert (await store.counts(bid))["in_flight"] == 0
    second = FakeSender()
    report = await engine(db, second).run(bid)
    assert report.finished and report.resent == 0
    assert Counter(first.sent_keys() + second.sent_keys()) == Counter(KEYS)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # one sender at a time: the lease
async def test_two_processes_never_send_the_same_broadcast(db):
    bid = await new_broadcast(db, KEYS[:5])
    store = BroadcastStore(db)
    assert await store.acquire(bid, "otherhost:123:abc", 1e12, 30.0) == ""
    with pytest.raises(BroadcastBusy):
        await engine(db, FakeSender(), wall=lambda: 1e12 + 5).run(bid)
    # the other process stopped beating: its lease expires
    report = await engine(db, FakeSender(), wall=lambda: 1e12 + 31).run(bid)
    assert report.sent == 5


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_on_postgresql_two_senders_share_a_broadcast_and_send_each_recipient_once(db):
    bid = await new_broadcast(db)
    first, second = FakeSender(delay=0.01, concurrency=2), FakeSender(delay=0.01, concurrency=2)
    async with open_database(db.path) as other:  # another process: its own connection
        reports = await asyncio.gather(engine(db, first).run(bid), engine(other, second).run(bid))
    assert first.sent_keys() and second.sent_keys()  # both took part
    assert sorted(first.sent_keys() + second.sent_keys()) == KEYS  # nobody twice, nobody left out
    assert any(r.finished for r in reports) and (await BroadcastStore(db).get(bid)).status == "done"


async def test_a_dead_process_on_this_machine_loses_its_lease_at_once(db):
    import socket
    import subprocess
    import sys

    bid = await new_broadcast(db, KEYS[:5])
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    await BroadcastStore(db).acquire(bid, f"{socket.gethostname()}:{proc.pid}:dead", 1e12, 30.0)
    report = await engine(db, FakeSender(), wall=lambda: 1e12 + 1).run(bid)
    assert report.sent == 5


async def test_an_empty_audience_finishes_at_once(db):
    bid = await BroadcastStore(db).create("cli:admin", "萩市", "text", "x")
    report = await engine(db, FakeSender()).run(bid)
    assert report.finished and report.total == 0


# --- on virtual time ------------------------------------------------------------------


def slow_database(db: Database, seconds: float) -> None:
    """Every call of ``db`` takes ``seconds`` longer in the database's thread (as under load)."""
    conn = db.conn

    async def late_execute(fn, *args, **kwargs):
        def late():
            time.sleep(seconds)
            return fn(*args, **kwargs)

        return await type(conn)._execute(conn, late)

    conn._execute = late_execute


async def test_on_virtual_time_a_slow_database_changes_no_send_time(tmp_path):
    """The suite's ``VirtualTime`` moves only through the sleeps asked for, never
    while a database call is in flight: two broadcasts side by side meet the same virtual send
    times whether the database answers at once or takes its time in its thread."""

    async def send_times(name: str, delay: float) -> list[tuple[float, list[str], str]]:
        database = await Database(str(tmp_path / name)).open()
        try:
            vt = VirtualTime()
            if delay:
                slow_database(database, delay)
            first = await new_broadcast(database, KEYS[:40], text="一つ目")
            second = await BroadcastStore(database).create("cli:admin", "宇部市", "text", "二つ目")
            sender = FakeSender(rate_per_s=30, per_recipient_interval=1.0, concurrency=8, clock=vt)
            run = engine(database, sender, monotonic=vt, sleep=vt.sleep)
            reports = await asyncio.gather(run.run(first), run.run(second))
            assert [r.sent for r in reports] == [40, 40]
            return [(c.at, c.keys, c.text) for c in sender.calls]
        finally:
            await database.close()

    fast = await send_times("fast.db", 0.0)
    assert fast == await send_times("slow.db", 0.003)
    times = sorted(at for at, _, _ in fast)
    assert times[-1] - times[0] < 80 / 30 * 1.15 + 1  # paced, and not held up by the database


async def test_a_halt_from_another_process_stops_the_run(db, tmp_path, monkeypatch):
    """The emergency stop across processes: the broadcast marked ``paused`` in the database
    while this engine sends it stops within a moment, loses nothing, resumes without repeats."""
    from bot.broadcast import engine as engine_module

    monkeypatch.setattr(engine_module, "HALT_POLL", 0.05)
    bid = await new_broadcast(db)
    sender = FakeSender(delay=0.02, concurrency=1)
    run = asyncio.create_task(engine(db, sender).run(bid))
    await asyncio.sleep(0.3)
    async with open_database(db.path) as other:  # the web console's process
        assert await BroadcastStore(other).halt_sending() == [bid]
    report = await asyncio.wait_for(run, 5)
    assert not report.finished and 0 < report.sent < len(KEYS)
    assert (await BroadcastStore(db).get(bid)).status == "paused"
    again = await engine(db, sender).run(bid)
    assert again.finished and again.sent == len(KEYS)
    assert sorted(sender.sent_keys()) == KEYS  # nobody twice


async def test_on_postgresql_a_halt_is_heard_at_once_not_at_the_next_look(postgres, monkeypatch):
    """PostgreSQL tells every process of a broadcast's new status (migration 8's trigger): the
    run stops within moments although its own look comes only every minute here."""
    from bot.broadcast import engine as engine_module

    monkeypatch.setattr(engine_module, "HALT_POLL", 60.0)
    async with open_database(await postgres.database()) as db:
        bid = await new_broadcast(db)
        sender = FakeSender(delay=0.02, concurrency=1)
        run = asyncio.create_task(engine(db, sender).run(bid))
        await asyncio.sleep(0.3)
        async with open_database(db.path) as other:  # the web console's process
            assert await BroadcastStore(other).halt_sending() == [bid]
            halted = time.monotonic()
        report = await asyncio.wait_for(run, 5)
        assert time.monotonic() - halted < 1.0
        assert not report.finished and 0 < report.sent < len(KEYS)
        again = await engine(db, sender).run(bid)
        assert again.finished and sorted(sender.sent_keys()) == KEYS  # nobody twice
