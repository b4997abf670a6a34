"""Real ``madoguchi line`` processes on one database, for the multi-process tests and the
backend benchmark.

Lives here: ``start`` (one process on a free loopback port, at the suite's fixed time, answering
through a fake LINE API; returns it and its webhook URL once it listens), ``stop`` (SIGTERM, then SIGKILL after a grace)
and ``post`` (one signed event, the HTTP status). Touches only the processes it starts.
"""

from __future__ import annotations

import asyncio
import signal

import aiohttp

from tests.conftest import NOW
from tests.support import line_fake as lf

SECRET = "multi-process-channel-secret-0a1b2c3d"


async def start(db: str, fake: lf.FakeLineApi, workers: int = 8) -> tuple[asyncio.subprocess.Process, str]:
    # at the demo classes' clock
    env = lf.process_env(fake.url, SECRET, fake.access_token, MADOGUCHI_DB=db, MADOGUCHI_FIXED_NOW=NOW.isoformat())
    proc = await asyncio.create_subprocess_exec(
        *lf.LINE_COMMAND, "--workers", str(workers), env=env, stdout=asyncio.subprocess.PIPE
    )
    first = (await asyncio.wait_for(proc.stdout.readline(), 90)).decode()
    if "listening on http://127.0.0.1:" not in first:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"madoguchi line did not start: {first!r}")
    return proc, first.split("listening on ", 1)[1].split(" ", 1)[0]


async def stop(procs: list[asyncio.subprocess.Process]) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def post(session: aiohttp.ClientSession, hook: str, event: dict) -> int:
    raw = lf.body(event)
    async with session.post(hook, data=raw, headers={"x-line-signature": lf.signature(raw, SECRET)}) as r:
        return r.status
