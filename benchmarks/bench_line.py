"""LINE channel benchmark: webhook acknowledgement latency and multicast throughput.

    python benchmarks/bench_line.py            # 200 concurrent requests × 10 rounds; 100,000 subscribers
    python benchmarks/bench_line.py --quick    # 3 rounds; 20,000 subscribers

Everything runs on loopback, in three processes, so that no side measures itself:

- the fake LINE API (``python -m tests.support.line_fake``), which records calls;
- the bot, as deployed: ``python -m bot line --demo`` on a fresh database, with
  ``LINE_API_BASE_URL`` pointing at the fake;
- this process, the client.

1. **Acknowledgement latency.** Each round posts ``--concurrency`` (200) signed webhook
   bodies at once, each a text message from a different resident (the messages of the
   conversation test set, in turn), and times each request from sending to the status
   line. The bot answers 200 before it handles the events, so the handling of earlier
   requests overlaps the acknowledgement of later ones, as under a real burst. The round
   ends when the bot's health endpoint shows every event handled and the fake has
   recorded every reply. Target: p99 ≤ 100 ms (LINE allows 2 s).
2. **Multicast throughput.** The broadcast engine with ``LineSender`` on line-bot-sdk's real async client sends a
   rendered class-news reply to ``--subscribers`` (100,000) LINE users read from the
   subscriptions table: the quota check, then batches of 500 with retry keys. Run at the
   default request rate (150/s, under LINE's 200/s) and unthrottled, and once more with
   500 and 429 answers injected: every recipient is still reached once, and the
   production backoff (0.5 s, doubling, batches in flight wait too) sets the cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.support import line_fake as lf  # noqa: E402

SECRET = "bench-channel-secret-0f1e2d3c4b5a6978"
TARGET_P99_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def start(*args: str, env: dict) -> tuple[asyncio.subprocess.Process, str]:
    """A child process and the URL it prints first."""
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
    if not line:
        raise SystemExit(f"{args} did not start:\n{(await proc.stderr.read()).decode()}")
    url = line.split("listening on ", 1)[1].split(" ", 1)[0] if "listening on" in line else line.strip()
    return proc, url


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def phrases() -> list[str]:
    from tests.support.conversations import load_cases

    said = [t.say for c in load_cases() for t in c.turns if t.say.strip() and len(t.say) < 300]
    return said


async def wait_drained(session: aiohttp.ClientSession, health: str, fake: str, handled: int, replies: int) -> float:
    started = time.perf_counter()
    while True:
        async with session.get(health) as r:
            h = await r.json()
        async with session.get(fake + "/_fake/stats") as r:
            s = await r.json()
        done = s["calls"].get("reply", {}).get("200", 0)
        if h["handled"] >= handled and h["queued"] == 0 and done >= replies:
            return time.perf_counter() - started
        if time.perf_counter() - started > 300:
            raise SystemExit(f"not drained: health {h}, fake {s}")
        await asyncio.sleep(0.01)


def summary(ms: list[float]) -> dict:
    return {
        "requests": len(ms),
        "p50": percentile(ms, 0.50),
        "p90": percentile(ms, 0.90),
        "p99": percentile(ms, 0.99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }


async def burst(session: aiohttp.ClientSession, url: str, bodies: list[tuple[bytes, dict]]) -> list[tuple[int, float]]:
    """Post every body at once; (status, milliseconds from sending to the status line) each."""

    async def post(raw: bytes, headers: dict) -> tuple[int, float]:
        t0 = time.perf_counter()
        async with session.post(url, data=raw, headers=headers) as r:
            status = r.status
        return status, (time.perf_counter() - t0) * 1000

    return await asyncio.gather(*(post(raw, headers) for raw, headers in bodies))


async def bench_webhook(args, env: dict, fake_url: str, workdir: Path) -> dict:
    bot_env = lf.process_env(fake_url, SECRET, **env)
    db = workdir / "line.db"
    started = time.perf_counter()
    bot, url = await start(
        *lf.LINE_COMMAND,
        "--demo",
        "--db",
        str(db),
        "--workers",
        str(args.workers),
        env=bot_env,
    )
    startup = time.perf_counter() - started
    health = url.rsplit("/", 1)[0] + "/healthz"
    said = phrases()
    latencies: list[float] = []
    floor: list[float] = []
    drains: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            for round_no in range(args.rounds + 1):  # round 0 warms up (connections, caches)
                bodies = []
                for i in range(args.concurrency):
                    user = lf.user_id(f"bench-{round_no}-{i}")
                    raw = lf.body(lf.text(user, said[(round_no * args.concurrency + i) % len(said)]))
                    bodies.append(
                        (raw, {"x-line-signature": lf.signature(raw, SECRET), "Content-Type": "application/json"})
                    )
                round_start = time.perf_counter()
                results = await burst(session, url, bodies)
                sent += len(bodies)
                await wait_drained(session, health, fake_url, sent, sent)
                round_s = time.perf_counter() - round_start
                # the same burst to a handler that does nothing: what the harness itself costs
                baseline = await burst(session, fake_url + "/_fake/echo", bodies)
                if round_no == 0:
                    continue
                drains.append(round_s)
                for status, ms in results:
                    statuses[status] = statuses.get(status, 0) + 1
                    latencies.append(ms)
                floor += [ms for _, ms in baseline]
    finally:
        await stop(bot)
    return {
        "startup_s": startup,
        "statuses": statuses,
        "bot": summary(latencies),
        "floor": summary(floor),
        "round_s": statistics.median(drains),
        "events_per_s": args.concurrency / statistics.median(drains),
    }


async def fill_subscribers(db_path: Path, n: int) -> None:
    from bot.store.database import Database

    now = datetime.now(UTC).isoformat()
    async with Database(str(db_path)) as db:
        await db.conn.executemany(
            "INSERT INTO subscriptions (user_key, municipality, created_at) VALUES (?, '宇部市', ?)",
            ((f"line:{lf.user_id(f'sub-{i}')}", now) for i in range(n)),
        )
        await db.conn.executemany(  # a few who left: they must not be sent to
            "INSERT INTO residents (user_key, blocked, blocked_at, updated_at) VALUES (?, 1, ?, ?)",
            ((f"line:{lf.user_id(f'sub-{i}')}", now, now) for i in range(0, n, 1000)),
        )
        await db.conn.commit()


async def bench_multicast(args, fake_url: str, workdir: Path) -> list[dict]:
    """The product's own path: the broadcast engine with ``LineSender`` (500 IDs a call)."""
    from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

    from bot.broadcast.engine import BroadcastEngine
    from bot.channels.line.sender import LineSender
    from bot.delivery.backoff import Backoff
    from bot.store.broadcasts import BroadcastStore
    from bot.store.database import Database

    db_path = workdir / "subscribers.db"
    await fill_subscribers(db_path, args.subscribers)
    news = (
        "宇部市のスマホ教室のお知らせです。\n■ 12月5日（土） 10:30〜11:30 【入門編】はじめてのスマートフォン\n"
        "会場：ドコモショップフジグラン宇部店\u3000予約・問い合わせ：電話 0120-173-053"
    )
    runs = []
    async with aiohttp.ClientSession() as control, Database(str(db_path)) as db:
        client = AsyncApiClient(Configuration(host=fake_url, access_token=lf.ACCESS_TOKEN))
        try:
            api = AsyncMessagingApi(client)
            plans = [
                ("LINE-safe rate (150 req/s), 4 in flight", 150.0, None),
                ("unthrottled, 4 in flight", None, None),
                ("unthrottled, 3 × 500 and 2 × 429 injected (backoff 0.5 s, doubling)", None, [(500, 3), (429, 2)]),
            ]
            for n, (label, rps, faults) in enumerate(plans):
                await control.post(fake_url + "/_fake/reset")
                for status, times in faults or []:
                    await control.post(
                        fake_url + "/_fake/fail", json={"endpoint": "multicast", "status": status, "times": times}
                    )
                sender = LineSender(api)
                sender.rate_per_s = rps
                bid = await BroadcastStore(db).create("bench", "宇部市", "text", f"{news}\n（{n}）")
                t0 = time.perf_counter()
                report = await BroadcastEngine(db, {"line": sender}, backoff=Backoff(base=0.5, jitter=0.0)).run(bid)
                seconds = time.perf_counter() - t0
                async with control.get(fake_url + "/_fake/stats") as r:
                    stats = await r.json()
                runs.append(
                    {
                        "label": label,
                        "recipients": report.total,
                        "batches": -(-report.total // 500),
                        "delivered": report.sent,
                        "failed": report.failed,
                        "seconds": seconds,
                        "per_s": report.total / seconds,
                        "fake_recipients": stats["recipients"],
                        "calls": stats["calls"].get("multicast", {}),
                        "query_s": 0.0,
                    }
                )
        finally:
            await client.close()
    return runs


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=8, help="the bot's --workers (default: 8, as deployed)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 20,000 subscribers")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.subscribers = 3, 20_000
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(
        f"# bench_line — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-line-") as tmp:
        workdir = Path(tmp)
        fake, fake_url = await start(
            sys.executable,
            "-m",
            "tests.support.line_fake",
            "--port",
            "0",
            "--quota",
            str(10 * args.subscribers),
            env=env,
        )
        try:
            w = await bench_webhook(args, env, fake_url, workdir)
            print(
                f"\n## Webhook acknowledgement ({args.concurrency} concurrent signed requests "
                f"× {args.rounds} rounds, "
                f"loopback, bot = `python -m bot line --demo --workers {args.workers}`)"
            )
            print(f"start-up to listening: {w['startup_s']:.2f} s")
            b, f = w["bot"], w["floor"]
            print(f"requests: {b['requests']}, statuses: {w['statuses']}")
            verdict = "OK" if b["p99"] <= TARGET_P99_MS else "OVER TARGET"
            print(
                f"ack latency: p50 {b['p50']:.1f} ms, p90 {b['p90']:.1f} ms, p99 {b['p99']:.1f} ms "
                f"(target ≤ {TARGET_P99_MS:.0f} ms: {verdict}), max {b['max']:.1f} ms, mean {b['mean']:.1f} ms"
            )
            print(
                f"harness floor (the same bursts to a do-nothing aiohttp handler in another process): "
                f"p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms, max {f['max']:.1f} ms"
            )
            print(
                f"a round, from first request to last reply recorded: median {w['round_s'] * 1000:.0f} ms "
                f"({w['events_per_s']:.0f} events/s handled end to end)"
            )
            runs = await bench_multicast(args, fake_url, workdir)
            print(f"\n## Multicast to {args.subscribers:,} subscribers (1 in 1,000 blocked) against the fake API")
            print(f"reading the recipients from the subscriptions table: {runs[0]['query_s'] * 1000:.0f} ms")
            for run in runs:
                print(
                    f"- {run['label']}: {run['recipients']:,} recipients in {run['batches']} batches, "
                    f"{run['seconds']:.2f} s = {run['per_s']:,.0f} recipients/s; delivered {run['delivered']:,}, "
                    f"failed {run['failed']}; fake recorded {run['fake_recipients']:,} recipients, "
                    f"multicast calls by status {run['calls']}"
                )
        finally:
            await stop(fake)


if __name__ == "__main__":
    asyncio.run(main())
