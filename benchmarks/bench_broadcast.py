"""Broadcast benchmark: the limiter's accuracy at a platform limit, and the engine's own speed.

    python benchmarks/bench_broadcast.py            # 30/s for 11 s; 100,000 recipients
    python benchmarks/bench_broadcast.py --quick    # 30/s for 11 s; 20,000 recipients

1. **Limiter accuracy.** The real ``BroadcastEngine`` on a SQLite file sends to
   ``rate × seconds`` fake recipients through a fake sender with Telegram's shape (one
   recipient per call, 8 calls in flight, 1 s per chat, each call taking 20 ms) at
   ``rate_per_s`` 30. The sender stamps every call with ``time.monotonic()`` as it starts.
   Reported: the achieved rate (calls after the first ÷ time from the first call to the
   last; target ≥ 95 % of the limit) and the most calls in any half-open one-second window
   (target ≤ the limit), checked at every call time.
2. **Engine overhead.** The limit lifted (``rate_per_s`` None), 100,000 recipients, a fake
   sender that answers at once: deliveries a second for Telegram's shape (1 per call, 8 in
   flight) and LINE's (500 per call, 4 in flight). Everything the engine does is in the
   figure: claiming each delivery (committed before the send), the limiter, recording each
   outcome (group commit). Fixing the recipients (one INSERT … SELECT) is timed apart.

Only a temporary directory is written to. Imports the bot from this checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.broadcast.engine import BroadcastEngine  # noqa: E402
from bot.broadcast.sender import Result  # noqa: E402
from bot.store.broadcasts import BroadcastStore  # noqa: E402
from bot.store.bundle import Stores  # noqa: E402
from bot.store.database import Database  # noqa: E402

LIMIT = 30.0
TARGET_SHARE = 0.95


class FakeSender:
    """Accepts everything; stamps each call; optionally takes ``latency`` seconds."""

    def __init__(
        self,
        channel: str,
        max_batch: int,
        rate: float | None,
        per_chat: float | None,
        concurrency: int,
        latency: float = 0.0,
    ):
        self.channel, self.max_batch, self.rate_per_s = channel, max_batch, rate
        self.per_recipient_interval, self.concurrency, self.latency = per_chat, concurrency, latency
        self.times: list[float] = []
        self.delivered = 0
        self._sent = Result.sent()

    async def send(self, user_keys, text, *, key):
        self.times.append(time.monotonic())
        self.delivered += len(user_keys)
        if self.latency:
            await asyncio.sleep(self.latency)
        return {k: self._sent for k in user_keys}


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


async def prepare(path: str, channel: str, n: int) -> tuple[Database, int]:
    db = await Database(path).open()
    await db.conn.executemany(
        "INSERT INTO subscriptions (user_key, municipality, created_at) VALUES (?, '宇部市', '2026-11-26')",
        [(f"{channel}:{i:07d}",) for i in range(n)],
    )
    await db.conn.commit()
    return db, await BroadcastStore(db).create("bench", "宇部市", "text", "12月のスマホ講習会のお知らせです")


async def limiter_accuracy(directory: str, rate: float, seconds: float) -> dict:
    n = int(rate * seconds) + 1
    db, bid = await prepare(f"{directory}/limit.db", "telegram", n)
    sender = FakeSender("telegram", 1, rate, 1.0, 8, latency=0.02)
    report = await BroadcastEngine(Stores.over(db), {"telegram": sender}).run(bid)
    await db.close()
    times = sorted(sender.times)
    span = times[-1] - times[0]
    return {
        "calls": len(times),
        "sent": report.sent,
        "span_s": span,
        "achieved": (len(times) - 1) / span,
        "max_window": max_in_window(times),
    }


async def overhead(directory: str, name: str, n: int, max_batch: int, concurrency: int) -> dict:
    db, bid = await prepare(f"{directory}/{name}.db", name, n)
    sender = FakeSender(name, max_batch, None, None, concurrency)
    engine = BroadcastEngine(Stores.over(db), {name: sender})
    t0 = time.perf_counter()
    fixed = await engine.start(bid)
    t1 = time.perf_counter()
    report = await engine.run(bid)
    t2 = time.perf_counter()
    await db.close()
    assert fixed == n and report.sent == n and sender.delivered == n, (fixed, report.outcome, sender.delivered)
    return {"recipients": n, "calls": len(sender.times), "start_s": t1 - t0, "run_s": t2 - t1, "per_s": n / (t2 - t1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 recipients for the overhead run")
    parser.add_argument("--rate", type=float, default=LIMIT, help="the limit for the accuracy run (default 30)")
    parser.add_argument("--seconds", type=float, default=11.0, help="length of the accuracy run (≥ 10)")
    parser.add_argument("--recipients", type=int, help="recipients for the overhead run (default 100,000)")
    args = parser.parse_args()
    n = args.recipients or (20_000 if args.quick else 100_000)
    print(
        f"bench_broadcast — Python {platform.python_version()}, SQLite (WAL) on {platform.machine()}, {platform.system()}"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as directory:
        acc = asyncio.run(limiter_accuracy(directory, args.rate, args.seconds))
        share = acc["achieved"] / args.rate
        good = share >= TARGET_SHARE and acc["max_window"] <= args.rate
        ok &= good
        print(
            f"\n1. limiter accuracy at {args.rate:g}/s (Telegram shape: 1 per call, 8 in flight, 1 s per chat, 20 ms calls)"
        )
        print(f"   {acc['calls']} calls over {acc['span_s']:.2f} s")
        print(
            f"   achieved rate        {acc['achieved']:.2f}/s = {share:.1%} of the limit   (target ≥ {TARGET_SHARE:.0%})"
        )
        print(f"   most in any 1 s      {acc['max_window']}                         (target ≤ {args.rate:g})")
        print(f"   {'OK' if good else 'MISSED'}")
        print(f"\n2. engine overhead, limit lifted, {n:,} fake recipients (sender answers at once)")
        for name, batch, conc in (("telegram", 1, 8), ("line", 500, 4)):
            r = asyncio.run(overhead(directory, name, n, batch, conc))
            print(
                f"   {name:<8} {batch:>3}/call, {conc} in flight: {r['per_s']:>9,.0f} deliveries/s "
                f"({r['run_s']:.2f} s, {r['calls']:,} calls; fixing the recipients {r['start_s'] * 1000:.0f} ms)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
