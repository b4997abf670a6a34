"""The one runtime: a channel's service started first and stopped last, the other
channels' senders opened (the channel's own used as it is) and closed, the shop watcher
told to notify support, the scheduler running while the service serves and stopped before
it, and the exit status of a channel command."""

from __future__ import annotations

import asyncio
import sqlite3

from bot import runtime
from bot.broadcast.sender import ConsoleSender
from bot.staff.roles import StaffDirectory


class Service:
    def __init__(self, events: list[str]):
        self.events = events
        self.senders = {"fake": ConsoleSender()}

    async def start(self) -> None:
        self.events.append("start")

    async def stop(self) -> None:
        self.events.append("stop")


async def test_run_starts_the_service_first_and_stops_it_last(app, monkeypatch):
    events: list[str] = []
    service = Service(events)
    stop = asyncio.Event()

    class Scheduler:
        def __init__(self, db, senders, knowledge):
            events.append(f"scheduler with {sorted(senders)}")

        async def run(self, scheduler_stop):
            await scheduler_stop.wait()
            events.append("scheduler stopped")

    monkeypatch.setattr(runtime, "Scheduler", Scheduler)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("LINE_CHANNEL_SECRET", raising=False)

    def ready():
        events.append("ready")
        assert app.shop_watcher is not None and app.shop_watcher.on_error is not None
        stop.set()

    await runtime.run(app, service, StaffDirectory([]), stop=stop, on_ready=ready)
    assert events == ["start", "scheduler with ['console', 'fake']", "ready", "scheduler stopped", "stop"]


async def test_a_service_that_fails_to_start_starts_nothing_else(app):
    class Broken(Service):
        async def start(self) -> None:
            raise OSError("address in use")

    try:
        await runtime.run(app, Broken([]), StaffDirectory([]))
    except OSError as exc:
        assert "address in use" in str(exc)
    else:
        raise AssertionError("the failure must reach the command")


def test_main_turns_troubles_into_an_exit_status(capsys):
    async def no_db():
        raise sqlite3.OperationalError("unable to open database file")

    async def no_port():
        raise OSError("address in use")

    async def fine():
        return None

    assert runtime.main("line", no_db(), "/nowhere/x.db") == 2
    assert runtime.main("line", no_port(), None) == 2
    assert runtime.main("line", fine(), None) == 0
    err = capsys.readouterr().err
    assert "/nowhere/x.db" in err and "madoguchi line: address in use" in err


def test_an_invalid_staff_file_means_nobody_is_staff(tmp_path, capsys):
    path = tmp_path / "staff.yaml"
    path.write_text("staff: [{id: 1}]\n", encoding="utf-8")
    assert runtime.staff_or_nobody(path, "line").members_with("shops") == []
    assert "invalid staff file" in capsys.readouterr().err
