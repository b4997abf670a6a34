"""Four real ``madoguchi broadcast --resume`` processes send one broadcast to 100,000 residents
together on PostgreSQL, and two of them are killed with SIGKILL in the middle: nobody is left
out, only deliveries the killed processes had in flight may reach someone twice, the database
ends with everyone sent, and in no one-second window do the four together call the platform
more often than the channel's rate."""

from __future__ import annotations

import os
import signal
import time

import asyncpg

from tests.support.broadcast_processes import Senders, busiest_second, prepare, recipient

RECIPIENTS = 100_000
BATCH = 500  # recipients per call (a multicast)
RATE = 40  # calls a second, for all senders together
SENDERS = 4
KILLED = 2


async def _in_flight_of(url: str, pids: list[int]) -> set[str]:
    """The deliveries the processes ``pids`` had claimed and not yet recorded (sender names
    are ``host:pid:random``)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT user_key, claimed_by FROM deliveries WHERE status = 'in_flight'")
    finally:
        await conn.close()
    return {key for key, owner in rows if owner and int(owner.split(":")[1]) in pids}


async def test_four_senders_two_killed_nobody_lost_nobody_twice_but_the_in_flight(tmp_path, postgres):
    url = await postgres.database()
    senders = Senders(url, await prepare(url, RECIPIENTS), tmp_path)
    senders.start(SENDERS, BATCH, RATE)
    procs = senders.procs
    deadline = time.monotonic() + 120
    while not all(senders.logged(slice(n, n + 1)) for n in range(KILLED)) or sum(senders.logged().values()) < 20_000:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
        assert time.monotonic() < deadline, "the senders did not get going"
        time.sleep(0.02)
    for proc in procs[:KILLED]:
        os.kill(proc.pid, signal.SIGKILL)
    for proc in procs[:KILLED]:
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
    killed_sent = senders.logged(slice(0, KILLED))
    in_flight = await _in_flight_of(url, [p.pid for p in procs[:KILLED]])  # before a survivor takes them over
    for proc in procs[KILLED:]:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode in (0, 1) and b"Traceback" not in err, (out + err).decode()[-2000:]

    sent = senders.logged()
    assert set(sent) == {recipient(i) for i in range(RECIPIENTS)}  # nobody lost
    twice = {k for k, n in sent.items() if n > 1}
    assert twice <= set(killed_sent) & in_flight and max(sent.values()) <= 2  # only what the killed had in flight
    survivors = senders.logged(slice(KILLED, None))
    assert survivors and max(survivors.values()) == 1  # the survivors never repeat each other
    conn = await asyncpg.connect(url)
    try:
        statuses = dict(await conn.fetch("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
        status = await conn.fetchval("SELECT status FROM broadcasts WHERE id = $1", senders.broadcast)
    finally:
        await conn.close()
    assert statuses == {"sent": RECIPIENTS} and status == "done"
    busiest = busiest_second(senders.call_times())
    assert busiest <= RATE  # the four together kept to the channel's rate
    print(
        f"killed mid-way: {len(killed_sent)} sent by them, {len(in_flight)} in flight, {len(twice)} twice; busiest second {busiest} calls"
    )
