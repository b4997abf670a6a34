"""The web console under test: a ``Console`` on a copy of the demo database with the shared
staff file (``tests.support.staff``), every member's password set, and helpers to log in
and to post forms with the page's CSRF token through aiohttp's test client.

Lives here: ``PASSWORD``, ``FAST`` (a cheap Argon2 hasher for test passwords), ``make_console``, ``csrf_of``, ``login`` and ``post_form``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from argon2 import PasswordHasher

from bot.app import open_app
from bot.broadcast.sender import ConsoleSender
from bot.broadcast.senders import SenderSet
from bot.staff.roles import StaffDirectory
from bot.store.staff_logins import StaffLogins
from bot.web.console import Console
from tests.support.staff import write_staff

PASSWORD = "correct horse battery"
# Argon2 checks a password with the parameters stored in its hash: cheap ones keep the suite fast.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_HASHED = FAST.hash(PASSWORD)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def make_console(
    tmp_path: Path, target: str, clock, knowledge, understanding, senders=None, shops_file: Path | None = None
) -> Console:
    """A console on the database at ``target`` (a demo database's copy: ``demo_target``)."""
    shops = tmp_path / "shops.yaml"
    shutil.copy(shops_file or Path(__file__).parents[2] / "shops.yaml", shops)
    bot = await open_app(
        target, shops_file=shops, clock=clock, knowledge=knowledge, understanding=understanding, watch_shops=True
    )
    staff = StaffDirectory.load(write_staff(tmp_path))
    for member in staff.members_with("stats"):
        await StaffLogins(bot.db).set_hash(member.id, _HASHED)
    if senders is None:
        senders = SenderSet(senders={"console": ConsoleSender(open(tmp_path / "outbox.jsonl", "a", encoding="utf-8"))})
    return Console(bot, staff, senders, clock)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no csrf field"
    return found.group(1)


async def login(client, member: str, password: str = PASSWORD):
    page = await client.get("/login")
    token = csrf_of(await page.text())
    return await client.post(
        "/login", data={"member": member, "password": password, "csrf": token}, allow_redirects=False
    )


async def post_form(client, page_path: str, action: str, data: dict, **kw):
    """Open ``page_path``, take its CSRF token, post ``data`` to ``action``."""
    page = await client.get(page_path)
    token = csrf_of(await page.text())
    return await client.post(action, data={**data, "csrf": token}, **kw)
