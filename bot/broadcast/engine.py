"""Delivering one broadcast from the database: the part that must never send twice or lose.

Lives here: ``BroadcastEngine.run`` → ``Report``, ``Progress``, ``Backoff`` and
``BroadcastBusy``.

How a run goes:

1. A broadcast not yet started is started: its recipients are fixed (one ``deliveries``
   row each; see ``BroadcastStore.start``). Recipients on a channel with no sender here
   are recorded ``failed`` with the reason, not silently dropped.
2. The run takes the broadcast's lease (another live process sending it → ``BroadcastBusy``;
   a process that died, or stopped beating for ``lease_ttl`` seconds, loses it). On a
   database where several processes may send one broadcast together (PostgreSQL:
   ``Backend.shared_sending``) there is no lease: each sender makes itself known
   (``Backend.present``), claims skip the rows another sender is claiming, each send also
   takes a grant from the channel's budget that every process shares (``Backend.grant``),
   and a sender that runs out of work takes over the deliveries a dead sender left in flight.
3. Deliveries a previous run left ``in_flight`` — the ones that may or may not have gone
   out when it was killed — become ``pending`` again (with several senders: only a dead
   sender's). They are the only ones that can
   reach a resident twice; the report counts them as ``resent``.
4. Per channel, a feeder claims pending deliveries (marked ``in_flight`` and committed
   *before* anything is sent), cuts them into batches of the sender's ``max_batch`` and
   hands them to ``concurrency`` workers. Each worker waits for the channel's
   ``RateLimiter`` (``rate_per_s`` calls in any one-second window, ``per_recipient_interval``
   per recipient), sends, and records each recipient's outcome at once (group commit:
   whoever writes takes everyone's outcomes waiting at that moment).
5. ``RETRY`` outcomes come back ``pending`` after an exponential backoff (or the
   platform's ``retry_after``, which also pauses the whole channel) until ``max_attempts``;
   ``BLOCKED`` marks the resident blocked, so no later broadcast tries them again.
6. When nothing is pending or in flight, the broadcast is ``done``; the report gives
   sent / failed / blocked.

``stop`` (an ``asyncio.Event``) ends a run cleanly: nothing new is claimed, what was
claimed but not yet sent goes back to ``pending``, the broadcast is ``paused`` and ``run``
again resumes it. A broadcast another process marks ``paused`` while it is being sent (the
web console's emergency stop, ``BroadcastStore.halt_sending``) stops the same way as soon as
the database tells of it (PostgreSQL's notices), and within ``HALT_POLL`` seconds in any case. A run that crashed leaves it ``sending`` (a scheduler resumes those).
Times are injectable: ``wall`` (stored retry times and the lease), ``monotonic`` and
``sleep`` (the limiter, backoff waits); a fake ``sleep`` should move ``wall`` too (if it
does not, retry waits fall back to short real sleeps rather than spin).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.broadcast.limiter import RateLimiter
from bot.broadcast.sender import Result, Sender, Status, limits_of
from bot.delivery.backoff import Backoff
from bot.store.broadcasts import BroadcastRow
from bot.store.bundle import Stores

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE_TTL = 30.0  # seconds without a heartbeat before another process may take over
SHARED_MARGIN = 0.1  # seconds added to the shared budget's window: a grant's way to its send varies
HALT_POLL = 1.0  # seconds between two looks at whether another process halted the broadcast
NO_SENDER = "このチャネルの送信設定がありません / no sender configured for channel {channel}"


class BroadcastBusy(Exception):
    """Another live process is sending this broadcast."""


class BroadcastClosed(Exception):
    """The broadcast was cancelled (or does not exist): nothing to send."""


@dataclass
class Progress:
    broadcast_id: int
    total: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    started: float = 0.0  # monotonic
    now: float = 0.0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked

    @property
    def rate(self) -> float:
        elapsed = self.now - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


@dataclass
class Report:
    broadcast_id: int
    municipality: str
    total: int
    sent: int
    failed: int
    blocked: int
    pending: int  # left for a later run (stopped, or retries not yet due)
    resent: int  # deliveries in flight when a previous run stopped, sent again by this one
    seconds: float
    finished: bool
    errors: list[tuple[str, int]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return f"total={self.total} sent={self.sent} failed={self.failed} blocked={self.blocked} pending={self.pending}"


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` names a process on this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child not yet reaped by its parent is a zombie: dead all the same
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def batch_key(broadcast_id: int, keys: list[str]) -> str:
    """The same for the same broadcast and recipients, on every attempt and after a restart."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:24]
    return f"madoguchi-broadcast-{broadcast_id}-{digest}"


class _Recorder:
    """Outcomes to the database as soon as possible, many per transaction under load."""

    def __init__(self, engine: BroadcastEngine, broadcast_id: int, progress: Progress):
        self.engine = engine
        self.store = engine.store
        self.residents = engine.residents
        self.broadcast_id = broadcast_id
        self.progress = progress
        self.buffer: list[tuple[str, str, str | None, float]] = []
        self._writing = False
        self._last_beat = engine.wall()
        self.failures: list[BaseException] = []

    async def add(self, outcomes: list[tuple[str, str, str | None, float]]) -> None:
        self.buffer.extend(outcomes)
        if self._writing:
            return  # the writer at work takes these too before it stops
        self._writing = True
        try:
            while self.buffer:
                batch, self.buffer = self.buffer, []
                await self._write(batch)
        finally:
            self._writing = False

    async def _write(self, batch: list[tuple[str, str, str | None, float]]) -> None:
        for key, status, _, _ in batch:
            if status == "blocked":
                await self.residents.set_blocked(key, True, commit=False)
        await self.store.record(self.broadcast_id, batch)
        p = self.progress
        for _, status, _, _ in batch:
            if status == "sent":
                p.sent += 1
            elif status == "failed":
                p.failed += 1
            elif status == "blocked":
                p.blocked += 1
        p.now = self.engine.monotonic()
        await self.beat()
        if self.engine.progress is not None:
            self.engine.progress(p)

    async def beat(self, force: bool = False) -> None:
        now = self.engine.wall()
        if force or now - self._last_beat >= self.engine.lease_ttl / 3:
            self._last_beat = now
            await self.store.heartbeat(self.broadcast_id, self.engine.owner, now)


class BroadcastEngine:
    def __init__(
        self,
        stores: Stores,
        senders: Mapping[str, Sender],
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff: Backoff | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        lease_ttl: float = LEASE_TTL,
        progress: Callable[[Progress], None] | None = None,
        owner: str | None = None,
    ):
        self.store = stores.broadcasts
        self.residents = stores.residents
        self.db = stores.db
        self.senders = dict(senders)
        self.wall = wall
        self.monotonic = monotonic
        self.sleep = sleep
        self.backoff = backoff or Backoff()
        self.max_attempts = max_attempts
        self.lease_ttl = lease_ttl
        self.progress = progress
        self.owner = owner or _owner()
        self.limiters: dict[str, RateLimiter] = {}

    def limiter(self, channel: str) -> RateLimiter:
        """The channel's limiter, shared by every broadcast this engine runs (and, where several
        processes send at once, drawing on the channel's budget in the database too)."""
        if channel not in self.limiters:
            _, rate, per_key, _ = limits_of(self.senders[channel])
            shared = None
            if self.db.shared_sending:

                async def shared(capacity: int, window: float) -> float:
                    return await self.db.grant(channel, capacity, window + SHARED_MARGIN, self.wall())

            self.limiters[channel] = RateLimiter(
                rate, per_key=per_key, clock=self.monotonic, sleep=self.sleep, shared=shared
            )
        return self.limiters[channel]

    def unsendable(self, channel: str) -> str | None:
        return None if channel in self.senders else NO_SENDER.format(channel=channel)

    async def start(self, broadcast_id: int) -> int:
        """Fix the recipients of a broadcast that has not started; how many."""
        return await self.store.start(broadcast_id, self.unsendable)

    async def run(self, broadcast_id: int, stop: asyncio.Event | None = None, retry_failed: bool = False) -> Report:
        started = self.monotonic()
        stop = stop or asyncio.Event()
        row = await self._claim(broadcast_id)
        try:
            if retry_failed and await self.store.retry_failed(broadcast_id):
                await self.store.reopen(broadcast_id)
            resent = len(await self.store.recover_in_flight(broadcast_id, self._alive))
            await self._deliver(row, stop, started)
            counts = await self.store.counts(broadcast_id)
            finished = counts["pending"] == 0 and counts["in_flight"] == 0
            if finished:
                await self.store.finish(broadcast_id)
            elif stop.is_set():
                await self.store.pause(broadcast_id)
            return Report(
                broadcast_id=broadcast_id,
                municipality=row.municipality,
                total=sum(counts.values()),
                sent=counts["sent"],
                failed=counts["failed"],
                blocked=counts["blocked"],
                pending=counts["pending"] + counts["in_flight"],
                resent=resent,
                seconds=self.monotonic() - started,
                finished=finished,
                errors=await self.store.errors(broadcast_id),
            )
        finally:
            await self.store.release(broadcast_id, self.owner)
            if self.db.shared_sending:
                await self.db.absent(self.owner)

    async def _claim(self, broadcast_id: int) -> BroadcastRow:
        """The broadcast, started or unpaused as needed, with this process holding its lease."""
        row = await self.store.get(broadcast_id)
        if row is None or row.status == "cancelled":
            raise BroadcastClosed(f"broadcast {broadcast_id} " + ("does not exist" if row is None else "was cancelled"))
        if row.status in ("scheduled", "ready"):
            await self.start(broadcast_id)
        elif row.status == "paused":
            await self.store.unpause(broadcast_id)
        if self.db.shared_sending:  # any number of senders: claims skip each other's rows
            await self.db.present(self.owner)
        elif await self.store.acquire(broadcast_id, self.owner, self.wall(), self.lease_ttl, owner_is_dead) is None:
            raise BroadcastBusy(f"broadcast {broadcast_id} is being sent by another process ({row.owner})")
        return row

    @property
    def _alive(self):
        """How to tell a live sender's in-flight deliveries from a dead one's: with one sender
        at a time (the lease) every one left in flight is a stopped run's."""
        return self.db.alive if self.db.shared_sending else None

    async def _deliver(self, row: BroadcastRow, stop: asyncio.Event, started: float) -> None:
        """Every pending delivery of the claimed broadcast, each channel at its own pace, until
        done or ``stop``; a channel without a sender here fails its deliveries at once."""
        counts = await self.store.counts(row.id)
        progress = Progress(
            row.id,
            sum(counts.values()),
            counts["sent"],
            counts["failed"],
            counts["blocked"],
            started=started,
            now=started,
        )
        recorder = _Recorder(self, row.id, progress)
        channels = await self.store.channels(row.id)
        for channel in channels:
            if channel not in self.senders:
                progress.failed += await self.store.fail_channel(row.id, channel, self.unsendable(channel))
        if self.progress is not None:
            self.progress(progress)
        beating = asyncio.create_task(self._beat(recorder))  # a slow send must not lose the lease
        following = asyncio.create_task(self._follow_halt(row.id, stop))
        try:
            outcomes = await asyncio.gather(
                *(self._channel(row.id, c, row.text, recorder, stop) for c in channels if c in self.senders),
                return_exceptions=True,
            )
        finally:
            beating.cancel()
            following.cancel()
            await asyncio.gather(beating, following, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)] + recorder.failures
        if failures:
            raise failures[0]

    async def _follow_halt(self, broadcast_id: int, stop: asyncio.Event) -> None:
        """Stop this run when another process paused or cancelled the broadcast (the web
        console's emergency stop): looked at as soon as the database tells of a change of its
        status (PostgreSQL), and every ``HALT_POLL`` seconds whatever it tells; what is in
        flight is recorded first."""
        changed = asyncio.Event()

        def heard(payload: str) -> None:
            if payload in (str(broadcast_id), ""):  # "": notices were lost a while
                changed.set()

        stop_hearing = await self.db.listen("broadcast", heard)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), HALT_POLL)
                changed.clear()
                try:
                    row = await self.store.get(broadcast_id)
                except Exception:  # noqa: BLE001 - the next look tries again
                    continue
                if row is None or row.status in ("paused", "cancelled"):
                    log.warning("broadcast %s was halted by another process: stopping", broadcast_id)
                    stop.set()
        finally:
            stop_hearing()

    async def _beat(self, recorder: _Recorder) -> None:
        """Renew the lease every third of its life, in real time, while the run lasts."""
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            try:
                await recorder.beat(force=True)
            except Exception:  # noqa: BLE001 - the next beat tries again
                log.warning("broadcast lease heartbeat failed", exc_info=True)

    # -- one channel -------------------------------------------------------------------

    async def _channel(
        self, broadcast_id: int, channel: str, text: str, recorder: _Recorder, stop: asyncio.Event
    ) -> None:
        sender = self.senders[channel]
        max_batch, rate, _, concurrency = limits_of(sender)
        limiter = self.limiter(channel)
        queue: asyncio.Queue[list[tuple[str, int]] | None] = asyncio.Queue(maxsize=concurrency * 2)
        # Claim what the workers can take now. Without a rate limit, claim more at once: fewer
        # database round trips; the rows claimed but not yet sent only widen the "in flight"
        # count of a crash report, never what is sent twice (only a send can be repeated).
        claim_size = max_batch * concurrency
        if rate is None:
            claim_size = max(claim_size, min(claim_size * 8, 2000))

        async def worker() -> None:
            while True:
                batch = await queue.get()
                try:
                    if batch is None:
                        return
                    if stop.is_set():
                        await self.store.unclaim(broadcast_id, [k for k, _ in batch])
                        continue
                    await self._send(broadcast_id, sender, limiter, batch, text, recorder)
                except Exception as exc:  # the database failed us: stop; what is in flight stays so
                    log.exception("broadcast %s stopped: could not record a delivery", broadcast_id)
                    recorder.failures.append(exc)
                    stop.set()
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        try:
            while not stop.is_set():
                claimed = await self.store.claim(broadcast_id, channel, claim_size, self.wall(), self.owner)
                if claimed:
                    for i in range(0, len(claimed), max_batch):
                        await queue.put(claimed[i : i + max_batch])
                    continue
                await queue.join()  # every send answered and recorded
                if stop.is_set():
                    break
                retry_at = await self.store.next_retry_at(broadcast_id, channel)
                if retry_at is None:
                    if self._alive and await self.store.recover_in_flight(broadcast_id, self._alive):
                        continue  # a sender died with these in flight: they are ours now
                    break  # nothing pending: this channel is done (or other live senders finish it)
                await self._wait_until(retry_at, recorder, stop)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers, return_exceptions=True)

    async def _wait_until(self, wall_time: float, recorder: _Recorder, stop: asyncio.Event) -> None:
        """Sleep until a retry is due, beating the lease, ending early on ``stop``."""
        while not stop.is_set():
            before = self.wall()
            left = wall_time - before
            if left <= 0:
                return
            await recorder.beat(force=True)
            step = min(left, self.lease_ttl / 3, 1.0)
            await self.sleep(step)
            if self.wall() <= before:  # an injected sleep that does not move ``wall``: no busy loop
                await asyncio.sleep(min(step, 0.05))

    async def _send(
        self,
        broadcast_id: int,
        sender: Sender,
        limiter: RateLimiter,
        batch: list[tuple[str, int]],
        text: str,
        recorder: _Recorder,
    ) -> None:
        keys = [k for k, _ in batch]
        await limiter.acquire(keys)
        try:
            answer = await sender.send(keys, text, key=batch_key(broadcast_id, keys))
        except Exception as exc:  # one batch's trouble must not stop the others
            log.warning("broadcast %s: a %s batch of %d failed: %s", broadcast_id, sender.channel, len(keys), exc)
            answer = {}
            default = Result.retry(f"{type(exc).__name__}: {exc}"[:300])
        else:
            default = Result.retry("the sender gave no answer for this recipient")
        outcomes = []
        pause = 0.0
        now = self.wall()
        for key, attempt in batch:
            result = answer.get(key) or default
            if result.status is Status.SENT:
                outcomes.append((key, "sent", None, 0.0))
            elif result.status is Status.BLOCKED:
                outcomes.append((key, "blocked", result.error or "blocked", 0.0))
            elif result.status is Status.FAILED:
                outcomes.append((key, "failed", result.error or "failed", 0.0))
            elif attempt >= self.max_attempts:
                outcomes.append((key, "failed", f"{result.error} ({attempt} attempts)", 0.0))
            else:
                delay = result.retry_after if result.retry_after is not None else self.backoff.delay(attempt)
                pause = max(pause, result.retry_after or 0.0)
                outcomes.append((key, "pending", result.error, now + delay))
        if pause:
            limiter.pause(pause)
        await recorder.add(outcomes)
