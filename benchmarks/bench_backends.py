"""The engine's per-turn cost on each database backend, side by side in one run: SQLite (a file
in a temporary folder) and PostgreSQL (a throwaway server started for the run, as the tests
start it: ``tests/support/postgres.py``; Debian's ``postgresql`` package must be installed).

    python benchmarks/bench_backends.py [--rounds 3]

Every turn of the conversation test set (tests/conversations/) is replayed through
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


def line(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"{name:<11} turns {len(ms):>6}  median {statistics.median(ms):6.3f} ms  p90 {percentile(ms, 0.9):6.3f} ms  "
        f"p99 {percentile(ms, 0.99):6.3f} ms  {len(ms) / sum(times):8.0f} turns/s"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binaries = server_binaries()
    if binaries is None:
        print(HOW_TO_INSTALL)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-backends-"))
    cluster = Cluster(binaries).start()
    try:
        sqlite = await replay(str(folder / "bench.db"), args.rounds)
        postgres = await replay(await cluster.database(), args.rounds)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"per-turn cost of Engine.handle, conversation set x{args.rounds - 1} timed rounds, demo data")
    print(line("SQLite", sqlite))
    print(line("PostgreSQL", postgres))
    ratio = statistics.median(postgres) / statistics.median(sqlite)
    print(f"median PostgreSQL / SQLite: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
