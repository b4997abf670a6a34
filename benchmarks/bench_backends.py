"""Each database backend side by side in one run: SQLite (a file in a temporary folder) and
PostgreSQL (a throwaway server started for the run, as the tests start it:
``tests/support/postgres.py``; Debian's ``postgresql`` package must be installed).

    python benchmarks/bench_backends.py [--rounds 3] [--events 4000] [--concurrent 400] [--recipients 100000]
        [--notices 200] [--sections turn,webhooks,broadcast,notices]

**Webhooks.** Real ``madoguchi line`` processes (``tests/support/line_processes.py``) answering
through the fake LINE API on loopback: 1 process on SQLite, 1 and 4 processes on PostgreSQL.
``--events`` signed text events from 500 residents, ``--concurrent`` at a time, spread round
robin over the processes; prints acknowledgements per second and the median and p99 time from
POST to the webhook's 200, and the seconds until every reply had reached the fake API.

**Broadcast.** ``--recipients`` subscribers, one broadcast sent by 1 and by 4 real
``madoguchi broadcast --resume`` processes on PostgreSQL (``tests/support/broadcast_processes.py``)
through the fake sender (500 recipients a call, 20 ms a call, 4 calls at once per process, no
rate limit): deliveries per second from the first process's start to the last one's end.

**Notices** (PostgreSQL's ``LISTEN``/``NOTIFY``). A broadcast's status changed and committed on
one connection, ``--notices`` times: the time until another connection's hearer has it
(``Backend.listen``). And a shop edit saved by one app (the file replaced, the edit recorded, as
the web console does) until a second app on its own copy of the listing, whose watcher would
look only once a minute by itself, answers with the new phone number (5 edits).

**Per turn.** Every turn of the conversation test set (tests/conversations/) is replayed through
``Engine.handle`` on the demo data, at the suite's fixed clock, ``--rounds`` times (each round
with fresh user keys, so conversation states are created, loaded and saved as in real use);
the first round warms caches and is not timed. Prints per backend the median, p90 and p99
reply time, the turns per second, and the ratio of PostgreSQL's median to SQLite's.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.messages import IncomingMessage  # noqa: E402
from tests.conftest import NOW  # noqa: E402
from tests.support.conversations import load_cases  # noqa: E402
from tests.support.postgres import HOW_TO_INSTALL, Cluster, server_binaries  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def replay(target: str, rounds: int) -> list[float]:
    """Seconds per turn over rounds 2…``rounds`` (round 1 warms up)."""
    app = await open_app(target, demo=True, clock=FixedClock(NOW))
    cases = load_cases()
    times: list[float] = []
    try:
        for n in range(rounds):
            for case in cases:
                for turn in case.turns:
                    message = IncomingMessage(f"bench:{n}:{case.id}", text=turn.say, lang=case.lang)
                    start = time.perf_counter()
                    await app.engine.handle(message)
                    if n:
                        times.append(time.perf_counter() - start)
    finally:
        await app.close()
    return times


async def webhooks(db: str, processes: int, events: int, concurrent: int) -> str:
    import aiohttp

    from tests.support import line_fake as lf
    from tests.support.line_processes import post, start, stop

    async with lf.FakeLineApi() as fake:
        started = await asyncio.gather(*(start(db, fake) for _ in range(processes)))
        hooks = [hook for _, hook in started]
        users = [lf.user_id(f"bench-{n}") for n in range(500)]
        sayings = ["宇部のドコモ", "スマホ教室に行きたい", "下関市", "マイナ保険証の登録は？", "ありがとう"]
        gate = asyncio.Semaphore(concurrent)
        acks: list[float] = []

        async def one(i: int) -> None:
            event = lf.text(users[i % len(users)], sayings[i % len(sayings)])
            async with gate:
                t = time.perf_counter()
                status = await post(session, hooks[i % processes], event)
                acks.append(time.perf_counter() - t)
            assert status == 200, status

        try:
            connector = aiohttp.TCPConnector(limit=concurrent)
            async with aiohttp.ClientSession(connector=connector) as session:
                begin = time.perf_counter()
                await asyncio.gather(*(one(i) for i in range(events)))
                acked = time.perf_counter() - begin
                await fake.wait_for(lambda: len(fake.to("reply")) + len(fake.to("push")) >= events, timeout=600)
                answered = time.perf_counter() - begin
        finally:
            await stop([proc for proc, _ in started])
    ms = [a * 1000 for a in acks]
    return (
        f"{events / acked:7.0f} acks/s  ack median {statistics.median(ms):6.1f} ms  p99 {percentile(ms, 0.99):6.1f} ms"
        f"  all {events} answered in {answered:5.1f} s"
    )


async def broadcast(url: str, processes: int, recipients: int) -> str:
    from tests.support.broadcast_processes import Senders, prepare

    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-senders-"))
    try:
        senders = Senders(url, await prepare(url, recipients), folder)
        begin = time.perf_counter()
        senders.start(processes, batch=500, rate=None)
        for proc in senders.procs:
            await asyncio.to_thread(proc.communicate)
        seconds = time.perf_counter() - begin
        sent = senders.logged()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    twice = sum(n > 1 for n in sent.values())
    return f"{recipients / seconds:8.0f} deliveries/s  ({len(sent)} sent, {twice} twice, {seconds:5.1f} s)"


async def notice_latency(url: str, times: int) -> list[float]:
    from bot.store.backend import open_database
    from bot.store.broadcasts import BroadcastStore

    async with open_database(url) as here, open_database(url) as there:
        heard = asyncio.Event()
        await here.listen("broadcast", lambda payload: heard.set())
        bid = await BroadcastStore(there).create("cli:admin", "宇部市", "text", "bench")
        took = []
        for n in range(times):
            heard.clear()
            started = time.perf_counter()
            status = "paused" if n % 2 == 0 else "ready"
            await there.conn.execute("UPDATE broadcasts SET status = ? WHERE id = ?", (status, bid))
            await there.conn.commit()
            await asyncio.wait_for(heard.wait(), 5)
            took.append(time.perf_counter() - started)
    return took


async def shop_edit_latency(url: str, folder: Path, edits: int = 5) -> list[float]:
    from bot import config
    from bot.data.shop_edit import replace_atomically

    apps = []
    for host in ("a", "b"):
        listing = folder / f"{host}-shops.yaml"
        shutil.copy(config.shops_file(), listing)
        app = await open_app(url, shops_file=listing, clock=FixedClock(NOW), watch_shops=False)
        app.watch_shops(interval=60.0)
        apps.append(app)
    a, b = apps
    await asyncio.sleep(0.5)
    took, phone = [], "0120-173-053"  # ドコモショップフジグラン宇部店
    try:
        for n in range(edits):
            new = f"0120-173-{100 + n:03d}"
            before = a.shops_file.read_text(encoding="utf-8")
            after = before.replace(f'"{phone}"', f'"{new}"', 1)
            started = time.perf_counter()
            replace_atomically(a.shops_file, after)
            await a.stores.shop_edits.add("bench", "電話番号", before, after)
            while new not in str(await b.engine.handle(IncomingMessage("bench", text="宇部のドコモショップ"))):
                await asyncio.sleep(0.01)
            took.append(time.perf_counter() - started)
            phone = new
    finally:
        for app in apps:
            await app.close()
    return took


def line(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"{name:<11} turns {len(ms):>6}  median {statistics.median(ms):6.3f} ms  p90 {percentile(ms, 0.9):6.3f} ms  "
        f"p99 {percentile(ms, 0.99):6.3f} ms  {len(ms) / sum(times):8.0f} turns/s"
    )


SECTIONS = ("turn", "webhooks", "broadcast", "notices")


async def per_turn(cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    sqlite = await replay(str(folder / "bench.db"), args.rounds)
    postgres = await replay(await cluster.database(), args.rounds)
    print(f"per-turn cost of Engine.handle, conversation set x{args.rounds - 1} timed rounds, demo data")
    print(line("SQLite", sqlite))
    print(line("PostgreSQL", postgres))
    print(f"median PostgreSQL / SQLite: {statistics.median(postgres) / statistics.median(sqlite):.2f}")


async def all_webhooks(cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    print(f"webhooks: {args.events} signed events, {args.concurrent} at a time, demo data")
    demo = str(folder / "demo.db")
    await (await open_app(demo, demo=True, clock=FixedClock(NOW))).close()
    print("1 process, SQLite      ", await webhooks(demo, 1, args.events, args.concurrent))
    for n in (1, 4):
        url = await cluster.database()
        await (await open_app(url, demo=True, clock=FixedClock(NOW))).close()
        print(f"{n} process{'es' if n > 1 else '  '}, PostgreSQL", await webhooks(url, n, args.events, args.concurrent))


async def all_broadcasts(cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    print(f"broadcast: {args.recipients} recipients, fake sender without a rate limit")
    for n in (1, 4):
        print(
            f"{n} sender{'s' if n > 1 else ' '}, PostgreSQL  ",
            await broadcast(await cluster.database(), n, args.recipients),
        )


async def notices(cluster: Cluster, folder: Path, args: argparse.Namespace) -> None:
    heard = [t * 1000 for t in await notice_latency(await cluster.database(), args.notices)]
    print(
        f"notices: a broadcast's status committed on one connection until another hears it, x{len(heard)}: "
        f"median {statistics.median(heard):.2f} ms, p99 {percentile(heard, 0.99):.2f} ms, max {max(heard):.2f} ms"
    )
    served = await shop_edit_latency(await cluster.database(), folder)
    print(
        "notices: a shop edit saved by one process until the other serves it (its own copy, 60 s watch), "
        f"x{len(served)}: median {statistics.median(served):.2f} s, max {max(served):.2f} s"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--concurrent", type=int, default=400)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"some of {','.join(SECTIONS)}")
    args = parser.parse_args()
    binaries = server_binaries()
    if binaries is None:
        print(HOW_TO_INSTALL)
        return 2
    runs = {"turn": per_turn, "webhooks": all_webhooks, "broadcast": all_broadcasts, "notices": notices}
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-backends-"))
    cluster = Cluster(binaries).start()
    try:
        # In this order: per turn first, before the later sections leave their garbage behind.
        for name in SECTIONS:
            if name in args.sections.split(","):
                await runs[name](cluster, folder, args)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
