"""The running bot follows edits to shops.yaml: a good edit is served at once; an invalid edit
is refused whole while the old listing keeps serving, and support staff are told the file,
line and field."""

from __future__ import annotations

import asyncio
import logging
import shutil

import pytest

from bot import config
from bot.app import open_app
from bot.data.watch import ShopWatcher, watch_app
from bot.messages import IncomingMessage
from bot.staff.notify import support_notifier
from bot.staff.roles import StaffDirectory
from bot.store.audit import AuditLog
from tests.support.broadcast_fake import FakeSender
from tests.support.conversations import visible
from tests.support.staff import write_staff

OLD_PHONE = "0120-173-053"  # ドコモショップフジグラン宇部店
NEW_PHONE = "0120-173-099"


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def running(tmp_path, clock, knowledge, understanding):
    listing = tmp_path / "shops.yaml"
    shutil.copy(config.shops_file(), listing)
    app = await open_app(
        str(tmp_path / "bot.db"),
        shops_file=listing,
        clock=clock,
        knowledge=knowledge,
        understanding=understanding,
        watch_shops=False,
    )
    yield app, listing
    await app.close()


async def ube_docomo(app) -> str:
    return visible(await app.engine.handle(IncomingMessage("u", text="宇部のドコモショップ")))


def edit(listing, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the listing; the line it was on."""
    text = listing.read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    listing.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


async def test_a_good_edit_is_served_without_a_restart(running):
    app, listing = running
    watcher = watch_app(app, listing, sleep=no_wait)
    assert await watcher.check() == "unchanged"
    assert OLD_PHONE in await ube_docomo(app)
    edit(listing, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    assert await watcher.check() == "reloaded"
    answer = await ube_docomo(app)
    assert NEW_PHONE in answer and OLD_PHONE not in answer


async def test_an_invalid_edit_keeps_the_old_listing_and_tells_support(running, tmp_path, caplog):
    app, listing = running
    told = []
    watcher = watch_app(app, listing, on_error=lambda path, problems: told.append((path, problems)), sleep=no_wait)
    before = app.shops
    line = edit(listing, f'"{OLD_PHONE}"', '"0120-17"')
    with caplog.at_level(logging.ERROR, logger="bot.data.watch"):
        assert await watcher.check() == "refused"
    assert app.shops is before and OLD_PHONE in await ube_docomo(app)
    ((path, problems),) = told
    assert path == listing and len(problems) == 1
    assert (
        problems[0].startswith(f"{listing}:{line}: shops[") and ".phone: " in problems[0] and "0120-17" in problems[0]
    )
    assert f"{listing}:{line}" in caplog.text
    # the same broken file is reported once, not on every look
    listing.touch()
    assert await watcher.check() == "refused" and len(told) == 1
    # a second mistake elsewhere too: still refused whole, reported again
    edit(listing, "carrier: au\n", "carrier: a-u\n")
    assert await watcher.check() == "refused" and len(told) == 2 and len(told[1][1]) == 2
    # fixed: served
    edit(listing, '"0120-17"', f'"{NEW_PHONE}"')
    edit(listing, "carrier: a-u\n", "carrier: au\n")
    assert await watcher.check() == "reloaded" and NEW_PHONE in await ube_docomo(app)


async def test_a_deleted_or_unparsable_listing_is_refused(running):
    app, listing = running
    watcher = watch_app(app, listing, sleep=no_wait)
    listing.write_text("shops: [\n", encoding="utf-8")
    assert await watcher.check() == "refused" and "YAML" in watcher.last_problems[0]
    listing.unlink()
    assert await watcher.check() == "refused" and "not found" in watcher.last_problems[0]
    assert OLD_PHONE in await ube_docomo(app)


async def test_a_half_written_save_is_not_read(running):
    app, listing = running
    good = listing.read_text(encoding="utf-8").replace(f'"{OLD_PHONE}"', f'"{NEW_PHONE}"', 1)
    told = []

    async def editor_finishes(seconds: float) -> None:
        if listing.read_text(encoding="utf-8") != good:
            listing.write_text(good, encoding="utf-8")

    watcher = watch_app(app, listing, on_error=lambda *a: told.append(a), sleep=editor_finishes)
    listing.write_text(good[: len(good) // 2], encoding="utf-8")  # the editor has written half …
    assert await watcher.check() == "reloaded" and told == []  # … and finishes while the watcher waits
    assert NEW_PHONE in await ube_docomo(app)


async def test_the_watching_loop_while_the_bot_answers(running):
    app, listing = running
    watcher = watch_app(app, listing, interval=0.02, settle=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    edit(listing, f'"{OLD_PHONE}"', '"broken"')
    # Up to 30 s: the checking child runs at the lowest priority, and the suite keeps both cores busy.
    for _ in range(3000):
        if watcher.refusals:
            break
        await asyncio.sleep(0.01)
    assert watcher.refusals == 1 and OLD_PHONE in await ube_docomo(app)
    edit(listing, '"broken"', f'"{NEW_PHONE}"')
    for _ in range(3000):
        if watcher.reloads:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert NEW_PHONE in await ube_docomo(app)


async def test_support_staff_are_told_on_their_channel(running, tmp_path):
    app, listing = running
    staff = StaffDirectory.load(write_staff(tmp_path))
    telegram = FakeSender(channel="telegram")
    notify = support_notifier(staff, {"telegram": telegram}, AuditLog(app.db), current=lambda: len(app.shops))
    watcher = ShopWatcher(listing, app.knowledge.municipalities.municipalities, lambda d: None, notify, sleep=no_wait)
    line = edit(listing, f'"{OLD_PHONE}"', '"0120-17"')
    assert await watcher.check() == "refused"
    (call,) = telegram.calls
    assert call.keys == ["telegram:900"]  # the support member on Telegram (cli: members have no chat)
    assert "以前の正しい一覧（22件）のまま動いています" in call.text and f"{listing}:{line}" in call.text
    (entry,) = await AuditLog(app.db).entries()
    assert (entry["actor"], entry["action"]) == ("system:watcher", "shops.reload")
    assert entry["outcome"].startswith("refused: 1 problem(s); told telegram:900")


async def test_a_running_app_follows_its_listing_by_itself(tmp_path, clock, knowledge, understanding):
    listing = tmp_path / "shops.yaml"
    shutil.copy(config.shops_file(), listing)
    app = await open_app(
        str(tmp_path / "bot.db"), shops_file=listing, clock=clock, knowledge=knowledge, understanding=understanding
    )
    try:
        assert app.shop_watcher is not None and app.shop_watcher.path == listing  # started by open_app
        told = []
        app.shop_watcher.interval, app.shop_watcher.settle = 0.02, 0.01
        app.watch_shops(on_error=lambda path, problems: told.append(problems))  # a channel adds its notifier
        await asyncio.sleep(0.6)  # the new interval applies within half a second
        edit(listing, f'"{OLD_PHONE}"', '"0120-1"')
        for _ in range(300):
            if told:
                break
            await asyncio.sleep(0.01)
        assert told and OLD_PHONE in await ube_docomo(app)
        edit(listing, '"0120-1"', f'"{NEW_PHONE}"')
        for _ in range(300):
            if NEW_PHONE in await ube_docomo(app):
                break
            await asyncio.sleep(0.01)
        assert NEW_PHONE in await ube_docomo(app)
    finally:
        await app.close()
    assert app._watching is None


async def test_a_reload_is_checked_in_a_child_process_and_frees_the_old_listing_after(running, monkeypatch):
    import bot.data.shops as shops
    import bot.data.watch as watch

    app, listing = running
    old = app.shops

    def not_here(*args):
        raise AssertionError("the listing was checked in the bot's own process")

    monkeypatch.setattr(shops, "checked_listing", not_here)  # the child process has its own
    monkeypatch.setattr(watch, "RETIRE_AFTER", 0.0)
    watcher = watch_app(app, listing, sleep=no_wait)
    edit(listing, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    assert await watcher.check() == "reloaded"
    assert NEW_PHONE in await ube_docomo(app) and app.shops is not old
    for _ in range(200):  # the replaced listing is freed a piece at a time between messages
        if not len(old):
            break
        await asyncio.sleep(0.01)
    assert len(old) == 0 and len(app.shops) == 22


@pytest.mark.parametrize(
    "child, says",
    [
        ("import sys; sys.stdin.buffer.read(); sys.exit(3)", "ended before it answered"),
        ("import os; os._exit(9)", "the listing could not be checked"),
        # a verdict of three shops, one piece of one shop, and an exit: half an answer
        (
            "import sys, marshal; sys.stdin.buffer.read(); o = sys.stdout.buffer\n"
            "for v in ({'as_of': 'x', 'source': 'y', 'count': 3}, []):\n"
            "    p = marshal.dumps(v); o.write(len(p).to_bytes(8, 'big') + p)",
            "ended before it answered",
        ),
        (
            "import sys, marshal; sys.stdin.buffer.read(); o = sys.stdout.buffer\n"
            "for v in ({'as_of': 'x', 'source': 'y', 'count': 3}, {'end': 3}):\n"
            "    p = marshal.dumps(v); o.write(len(p).to_bytes(8, 'big') + p)",
            "answered half",
        ),
    ],
)
async def test_a_checking_process_that_dies_refuses_the_edit_and_the_old_listing_serves(
    running, monkeypatch, child, says
):
    import sys

    import bot.data.listing_process as listing_process

    app, listing = running
    before = app.shops
    told = []
    monkeypatch.setattr(listing_process, "_command", lambda path: [sys.executable, "-c", child])
    watcher = watch_app(app, listing, on_error=lambda path, problems: told.append(problems), sleep=no_wait)
    edit(listing, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    assert await watcher.check() == "refused"
    assert app.shops is before and OLD_PHONE in await ube_docomo(app)
    ((problem,),) = told
    assert problem.startswith(f"{listing}: ") and says in problem
    # not the content's fault: the same content is checked again (and served) once a process can
    monkeypatch.undo()
    listing.touch()
    assert await watcher.check() == "reloaded" and NEW_PHONE in await ube_docomo(app)


async def test_a_listing_that_changes_while_it_is_checked_is_checked_again(running, monkeypatch):
    import bot.data.watch as watch

    app, listing = running
    checked = []
    load = watch.load_in_child

    async def editor_saves_meanwhile(*args):
        directory = await load(*args)
        checked.append(len(checked))
        if len(checked) == 1:  # the editor saved again while the first save was being checked
            edit(listing, f'"{NEW_PHONE}"', '"0120-173-098"')
        return directory

    monkeypatch.setattr(watch, "load_in_child", editor_saves_meanwhile)
    watcher = watch_app(app, listing, sleep=no_wait)
    edit(listing, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    assert await watcher.check() == "reloaded" and checked == [0, 1]
    answer = await ube_docomo(app)
    assert "0120-173-098" in answer and NEW_PHONE not in answer
    assert await watcher.check() == "unchanged"
    # the served content is the one remembered: the first save again is a change, served
    edit(listing, '"0120-173-098"', f'"{NEW_PHONE}"')
    assert await watcher.check() == "reloaded" and NEW_PHONE in await ube_docomo(app)
