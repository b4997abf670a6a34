"""A fake channel for the broadcast engine: a ``Sender`` that records every call and answers
as scripted, in process or from a ``madoguchi broadcast`` subprocess.

Lives here:

* ``FakeSender`` — channel, batch size, rate and per-recipient interval as asked; each call
  is recorded (time, keys, text, key) and, with ``log``, each recipient is appended to a
  file *before* the answer comes back (what a platform has accepted survives a kill -9 of
  the sending process, as it would on Telegram's side). ``outcomes`` scripts the answer per
  recipient: a ``Result``, or a list of them used one per attempt (the last one repeats).
  ``fail_calls`` raises on the first N calls; ``delay`` makes each call take that long.
* ``make_sender(options)`` — the ``--sender tests.support.broadcast_fake:make_sender``
  factory, configured from the environment: ``FAKE_CHANNEL`` (default ``fake``),
  ``FAKE_LOG`` (the file), ``FAKE_DELAY`` (seconds), ``FAKE_RATE`` (calls a second),
  ``FAKE_BATCH``, ``FAKE_CONCURRENCY``, ``FAKE_BLOCKED`` (comma-separated user keys),
  ``FAKE_CALLS`` (a file getting a line per call: wall time and recipients).

The virtual clock is ``tests.support.clock.VirtualTime``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.broadcast.sender import Result


@dataclass
class Call:
    at: float
    keys: list[str]
    text: str
    key: str


@dataclass
class FakeSender:
    channel: str = "fake"
    max_batch: int = 1
    rate_per_s: float | None = None
    per_recipient_interval: float | None = None
    concurrency: int = 4
    delay: float = 0.0
    outcomes: dict[str, Result | list[Result]] = field(default_factory=dict)
    fail_calls: int = 0
    log: str | None = None
    calls_log: str | None = None  # a line per call: its wall time and how many recipients
    clock: Callable[[], float] = time.monotonic
    calls: list[Call] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    closed: bool = False

    async def send(self, user_keys: list[str], text: str, *, key: str) -> dict[str, Result]:
        self.calls.append(Call(self.clock(), list(user_keys), text, key))
        if self.fail_calls > 0:
            self.fail_calls -= 1
            raise ConnectionError("network down (fake)")
        answer = {}
        accepted = []
        for k in user_keys:
            n = self.attempts.get(k, 0)
            self.attempts[k] = n + 1
            scripted = self.outcomes.get(k, Result.sent())
            if isinstance(scripted, list):
                scripted = scripted[min(n, len(scripted) - 1)]
            answer[k] = scripted
            if scripted.status == "sent":
                accepted.append(k)
        if self.log and accepted:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write("".join(k + "\n" for k in accepted))
        if self.calls_log:
            with open(self.calls_log, "a", encoding="utf-8") as f:
                f.write(f"{time.time():.6f} {len(user_keys)}\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        return answer

    def sent_keys(self) -> list[str]:
        """Every recipient the platform accepted, in order, repeats included."""
        out = []
        for call in self.calls:
            out += [k for k in call.keys]
        return out

    async def close(self) -> None:
        self.closed = True


def make_sender(options) -> FakeSender:
    env = os.environ
    blocked = [k for k in env.get("FAKE_BLOCKED", "").split(",") if k]
    return FakeSender(
        channel=env.get("FAKE_CHANNEL", "fake"),
        max_batch=int(env.get("FAKE_BATCH", "1")),
        rate_per_s=float(env["FAKE_RATE"]) if env.get("FAKE_RATE") else None,
        concurrency=int(env.get("FAKE_CONCURRENCY", "4")),
        delay=float(env.get("FAKE_DELAY", "0")),
        outcomes={k: Result.blocked("Forbidden: bot was blocked by the user") for k in blocked},
        log=env.get("FAKE_LOG"),
        calls_log=env.get("FAKE_CALLS"),
    )
