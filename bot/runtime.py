"""The one runtime every channel process runs: what starts and stops around a channel's
own server or poller.

Lives here: ``Service`` (what a channel adds: ``start``, ``stop`` and its own broadcast
senders), ``stop_on_signals``, ``run``, ``staff_or_nobody`` (the staff file, or nobody when
it is invalid: the channel still serves) and ``main`` (a channel command's process: its
exit status, a database or port trouble told in one line, Ctrl+C a clean stop). ``run`` starts, in order: the channel's
service; the broadcast senders of every channel configured here (``open_senders``, the
channel's own used as they are); the shop watcher, whose refused edits are told to the
support staff (``support_notifier``); the broadcast ``Scheduler`` (scheduled broadcasts,
orphaned ones, class reminders); the daily retention purge. It then waits for SIGINT,
SIGTERM or ``stop``, and shuts down in the reverse order: the scheduler pauses the
broadcast it is sending (the next start resumes it), the senders it made are closed, the
channel's service finishes what it has in hand and stops. Opening and closing the ``App``
is the caller's. Touches the app's database and files through the services it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol

from bot import config
from bot.app import App
from bot.broadcast.scheduler import Scheduler
from bot.broadcast.sender import Sender
from bot.broadcast.senders import open_senders
from bot.staff.notify import support_notifier
from bot.staff.roles import StaffDirectory
from bot.store.backend import database_errors, shown

log = logging.getLogger(__name__)

SCHEDULER_STOP_TIMEOUT = 15.0  # seconds a running broadcast gets to pause cleanly on shutdown


class Service(Protocol):
    """A channel's own part of the process: its webhook server or its poller."""

    senders: Mapping[str, Sender]  # the channel's own broadcast senders, by channel

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform / thread
            loop.add_signal_handler(sig, stop.set)


async def _stop_scheduler(task: asyncio.Task, stop: asyncio.Event) -> None:
    stop.set()
    try:
        await asyncio.wait_for(asyncio.shield(task), SCHEDULER_STOP_TIMEOUT)
    except TimeoutError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    except Exception:  # noqa: BLE001 - shutting down anyway; the scheduler logged it
        log.warning("the scheduler stopped with an error", exc_info=True)


async def run(
    app: App,
    service: Service,
    staff: StaffDirectory,
    *,
    stop: asyncio.Event | None = None,
    options: Any = None,
    on_ready: Callable[[], object] | None = None,
) -> None:
    """Serve ``service`` with everything around it until a signal or ``stop``."""
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    await service.start()
    try:
        senders = await open_senders(options, have=service.senders)
        log.info("scheduled broadcasts and reminders reach: %s", senders.summary())
        scheduler_stop = asyncio.Event()
        try:
            app.watch_shops(
                on_error=support_notifier(staff, senders.senders, app.stores.audit, current=lambda: len(app.shops))
            )
            scheduler = asyncio.create_task(
                Scheduler(app.stores, senders.senders, knowledge=app.knowledge).run(scheduler_stop)
            )
            try:
                app.keep_tidy()  # the retention purge, now and daily (stopped by app.close)
                if on_ready is not None:
                    on_ready()
                await stop.wait()
            finally:
                await _stop_scheduler(scheduler, scheduler_stop)
        finally:
            await senders.close()
    finally:
        log.info("stopping: finishing what is in hand")
        await service.stop()


def staff_or_nobody(path, command: str) -> StaffDirectory:
    """The staff directory of ``path``; an invalid file is reported and nobody is staff."""
    from bot.data.yaml_lines import DataError

    try:
        return StaffDirectory.load(path)
    except DataError as exc:  # the channel still serves; nobody is told of refused listings
        problems = "".join(f"  {p}\n" for p in exc.problems)
        sys.stderr.write(f"madoguchi {command}: staff file ignored / invalid staff file:\n{problems}")
        return StaffDirectory([])


def main(command: str, work: Coroutine, db: str | None) -> int:
    """Run a channel command's process to its end; its exit status."""
    try:
        asyncio.run(work)
    except database_errors() as exc:
        sys.stderr.write(
            f"データベースを開けません / cannot open the database {shown(db or config.db_path())}: {exc}\n"
        )
        return 2
    except OSError as exc:  # the port is taken, the address is not ours …
        sys.stderr.write(f"madoguchi {command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
