"""Real ``madoguchi broadcast --resume`` sender processes on one PostgreSQL database, for the
multi-sender test and the backend benchmark.

Lives here: ``prepare`` (N subscribers of 宇部市 copied in at once, a broadcast started for
them: its id), ``Senders`` (``start`` N processes sending it with the fake sender of
``tests.support.broadcast_fake``, each logging what it sent and when it called; ``logged``,
``call_times``; ``wait``) and ``busiest_second``. Touches the database and the files it is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bot.store.backend import open_database
from bot.store.broadcasts import BroadcastStore
from tests.support.staff import write_staff

ROOT = Path(__file__).resolve().parents[2]


def recipient(i: int) -> str:
    return f"fake:{i:06d}"


async def prepare(url: str, recipients: int) -> int:
    conn = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC).isoformat()
        rows = [(recipient(i), "宇部市", None, None, now) for i in range(recipients)]
        columns = ["user_key", "municipality", "level", "topic", "created_at"]
        await conn.copy_records_to_table("subscriptions", records=rows, columns=columns)
    finally:
        await conn.close()
    async with open_database(url) as db:
        store = BroadcastStore(db)
        bid = await store.create("cli:admin", "宇部市", "text", "12月の講習会のお知らせです")
        await store.start(bid)
        return bid


@dataclass
class Senders:
    url: str
    broadcast: int
    folder: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    calls: list[Path] = field(default_factory=list)

    def start(self, count: int, batch: int, rate: float | None, delay: float = 0.02) -> None:
        staff = write_staff(self.folder)
        for n in range(count):
            self.logs.append(self.folder / f"sent-{n}.log")
            self.calls.append(self.folder / f"calls-{n}.log")
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "FAKE_LOG": str(self.logs[n]),
                "FAKE_CALLS": str(self.calls[n]),
                "FAKE_BATCH": str(batch),
                "FAKE_CONCURRENCY": "4",
                "FAKE_DELAY": str(delay),
                **({"FAKE_RATE": str(rate)} if rate else {}),
            }
            argv = ["--resume", str(self.broadcast), "--db", self.url, "--staff", str(staff), "--as", "admin", "--yes"]
            sender = ["--sender", "tests.support.broadcast_fake:make_sender"]
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "broadcast", *argv, *sender],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=self.folder,
                )
            )

    def logged(self, which: slice = slice(None)) -> Counter:
        out: Counter = Counter()
        for path in self.logs[which]:
            if path.exists():
                out.update(path.read_text(encoding="utf-8").split())
        return out

    def call_times(self) -> list[float]:
        return sorted(float(line.split()[0]) for p in self.calls if p.exists() for line in p.read_text().splitlines())


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window of the sorted ``times``."""
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most
