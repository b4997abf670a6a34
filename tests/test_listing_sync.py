"""A shop edit saved by one process (one host's web console) is served by every other at
once: on PostgreSQL the saved edit is told to them, each brings its own copy of shops.yaml up
to date and reloads it, without waiting for its watcher's next look; a copy changed by hand
meanwhile is not overwritten."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time

import pytest

from bot import config
from bot.app import open_app
from bot.data.shop_edit import replace_atomically
from bot.listing_sync import bring_up_to_date
from bot.messages import IncomingMessage
from bot.store.shop_edits import ShopEdit
from tests.support.conversations import visible

OLD_PHONE = "0120-173-053"  # ドコモショップフジグラン宇部店
NEW_PHONE = "0120-173-099"


def an_edit(before: str, after: str) -> ShopEdit:
    return ShopEdit(7, "2026-12-04T00:00:00+00:00", "web:support", "電話番号", before, after, None)


@pytest.mark.parametrize(
    ("here", "outcome", "left"),
    [("after\n", "had", "after\n"), ("before\n", "written", "after\n"), ("by hand\n", "diverged", "by hand\n")],
)
def test_a_copy_is_brought_to_the_edit_only_from_the_text_it_started_from(tmp_path, here, outcome, left):
    path = tmp_path / "shops.yaml"
    path.write_text(here, encoding="utf-8")
    assert bring_up_to_date(path, an_edit("before\n", "after\n")) == outcome
    assert path.read_text(encoding="utf-8") == left


def test_a_missing_copy_is_not_made_up(tmp_path):
    assert bring_up_to_date(tmp_path / "gone.yaml", an_edit("before\n", "after\n")) == "diverged"
    assert not (tmp_path / "gone.yaml").exists()


@pytest.fixture
async def two_hosts(postgres, tmp_path, clock, knowledge, understanding):
    """Two processes on one PostgreSQL database, each with its own copy of the listing and a
    watcher that would look only once a minute by itself."""
    url = await postgres.database()
    apps = []
    for host in ("a", "b"):
        listing = tmp_path / f"{host}-shops.yaml"
        shutil.copy(config.shops_file(), listing)
        app = await open_app(
            url, shops_file=listing, clock=clock, knowledge=knowledge, understanding=understanding, watch_shops=False
        )
        app.watch_shops(interval=60.0)
        apps.append(app)
    await asyncio.sleep(0.2)  # both listening
    yield apps
    for app in apps:
        await app.close()


async def save(app, old: str, new: str) -> int:
    """What the web console does with a valid edit: the file replaced, the edit recorded."""
    before = app.shops_file.read_text(encoding="utf-8")
    after = before.replace(old, new, 1)
    replace_atomically(app.shops_file, after)
    return await app.stores.shop_edits.add("web:support", "電話番号", before, after)


async def ube_docomo(app) -> str:
    return visible(await app.engine.handle(IncomingMessage("u", text="宇部のドコモショップ")))


async def test_an_edit_saved_on_one_host_is_served_on_the_other_at_once(two_hosts):
    a, b = two_hosts
    assert OLD_PHONE in await ube_docomo(b)
    await save(a, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    saved = time.monotonic()
    while NEW_PHONE not in await ube_docomo(b) and time.monotonic() - saved < 10:
        await asyncio.sleep(0.02)
    assert NEW_PHONE in await ube_docomo(b)
    assert time.monotonic() - saved < 5  # told, not found at the next look a minute later
    assert b.shops_file.read_text(encoding="utf-8") == a.shops_file.read_text(encoding="utf-8")


async def test_a_copy_changed_by_hand_is_left_alone_and_said_so(two_hosts, caplog):
    a, b = two_hosts
    hand = b.shops_file.read_text(encoding="utf-8") + "# 手で直した\n"
    b.shops_file.write_text(hand, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.listing_sync"):
        edit_id = await save(a, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
        for _ in range(200):
            if f"shop edit #{edit_id}" in caplog.text:
                break
            await asyncio.sleep(0.02)
    assert f"shop edit #{edit_id} (by web:support) not applied" in caplog.text
    assert b.shops_file.read_text(encoding="utf-8") == hand
    assert OLD_PHONE in await ube_docomo(b)


async def test_an_edit_saved_while_the_notices_were_lost_is_served_once_they_are_back(two_hosts, monkeypatch):
    from bot.delivery.backoff import Backoff
    from bot.store import postgres as backend

    monkeypatch.setattr(backend, "RELISTEN", Backoff(base=0.5, cap=1.0, jitter=0.0))
    a, b = two_hosts
    lost = b.db._listener.get_server_pid()
    await a.db.conn.execute_fetchall("SELECT pg_terminate_backend(?)", (lost,))
    await asyncio.sleep(0.1)  # b is not listening now
    await save(a, f'"{OLD_PHONE}"', f'"{NEW_PHONE}"')
    saved = time.monotonic()
    while NEW_PHONE not in await ube_docomo(b) and time.monotonic() - saved < 10:
        await asyncio.sleep(0.02)
    assert NEW_PHONE in await ube_docomo(b)  # its watcher alone would look a minute later
