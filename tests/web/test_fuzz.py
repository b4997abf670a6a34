"""Hostile input to every form and query of the web console: huge values, control
characters, wrong types (a file where text belongs, repeated fields), HTML/JS and template
injection. Nothing may answer 500, nothing may come back unescaped, and no password,
session cookie or CSRF token may reach a log."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from bot.store.broadcasts import BroadcastStore
from bot.store.overview import Overview
from tests.support.staff import subscribe
from tests.support.web import PASSWORD, csrf_of, login

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = [
    SCRIPT,
    IMG,
    "A" * 200_000,
    "\x00\x01\x07\x1b[31m\x7f",
    "{{ 7*7 }}{% raw %}",
    "../../../etc/passwd",
    "-1",
    "99999999999999999999",
    "2026-13-45T99:99",
    "宇部市\u202e",
    " ",
    "",
]


@pytest.fixture
async def ids(console):
    await subscribe(console.db, "宇部市", ["console:f1"])
    c = (await Overview(console.db).classes(["宇部市"], since=console.clock().date(), limit=1)).classes[0]
    b = await BroadcastStore(console.db).create("cli:ube", "宇部市", "text", "fuzz")
    return {"class": c.id, "broadcast": b}


FORMS = [  # path, fields
    ("/login", ["member", "password", "next"]),
    ("/classes/upload", ["file"]),
    ("/classes/import", ["upload", "mode"]),
    ("/classes/{class}/cancel", ["tell_holders", "tell_city"]),
    ("/broadcasts/preview", ["city", "kind", "text", "days", "channel", "send_at"]),
    ("/broadcasts/test", ["city", "kind", "text", "days", "channel", "send_at"]),
    ("/broadcasts/confirm", ["city", "kind", "text", "days", "channel", "send_at", "hash"]),
    ("/broadcasts/{broadcast}/pause", []),
    ("/broadcasts/{broadcast}/resume", []),
    (
        "/shops/edit/docomo-fujigrand-ube",
        ["name", "name_en", "municipality", "address", "phone", "holds_classes", "base"],
    ),
    ("/shops/yaml", ["text", "base"]),
    ("/unanswered/mark", ["text", "lang", "mark"]),
    ("/chat", ["text", "postback", "label"]),
]
QUERIES = [
    ("/classes", ["city", "month", "q", "page"]),
    ("/classes/export", ["city", "month", "format", "encoding"]),
    ("/audit", ["member", "action", "since", "until"]),
    ("/unanswered", ["show"]),
    ("/login", ["next"]),
]


def unescaped(text: str) -> bool:
    return SCRIPT in text or "<img src=x" in text


async def check(response) -> None:
    body = await response.text(errors="replace")
    assert response.status != 500, body[:500]
    assert not unescaped(body), body[:500]


async def test_every_form_survives_hostile_input(client, console, ids, caplog):
    caplog.set_level(logging.DEBUG)
    await login(client, "cli:admin")
    token = csrf_of(await (await client.get("/")).text())
    for path, fields in FORMS:
        url = path.format(**ids)
        for value in HOSTILE:
            await check(await client.post(url, data={"csrf": token, **{f: value for f in fields}}))
        form = aiohttp.FormData()  # wrong types: a file for every field, and every field twice
        form.add_field("csrf", token)
        for f in fields:
            form.add_field(f, b"\xff\xfe<script>", filename="x.csv", content_type="text/csv")
            form.add_field(f, SCRIPT)
        await check(await client.post(url, data=form))
        await check(
            await client.post(
                url,
                data=b"\x00" * 1000,
                headers={"X-CSRF-Token": token, "Content-Type": "multipart/form-data; boundary=zz"},
            )
        )
        if "/login" in url:
            token = csrf_of(await (await client.get("/login")).text())  # the hostile logins did not log in
    for path, fields in QUERIES:
        for value in HOSTILE[:2] + HOSTILE[3:]:
            await check(await client.get(path, params={f: value[:5000] for f in fields}))
    await check(await client.get("/classes/notanumber/cancel"))
    await check(await client.get("/broadcasts/99999999999999999999999"))
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot.web")]
    assert not failures, failures[0].getMessage()


async def test_hostile_data_in_the_database_is_shown_escaped(client, console, ids):
    await BroadcastStore(console.db).create("cli:ube", "宇部市", "text", SCRIPT + IMG)
    await console.guard.record(SCRIPT, IMG, SCRIPT, IMG)
    await login(client, "cli:admin")
    for path in ("/broadcasts", "/audit", f"/broadcasts/{ids['broadcast'] + 1}", "/"):
        await check(await client.get(path))


async def test_no_secret_reaches_a_log(client, console, caplog):
    caplog.set_level(logging.DEBUG)
    response = await login(client, "cli:admin")
    cookie = response.cookies["madoguchi_session"].value
    page = await client.get("/broadcasts/new")
    token = csrf_of(await page.text())
    await client.post("/broadcasts/preview", data={"csrf": token, "city": "宇部市", "kind": "text", "text": "x"})
    await login(client, "cli:ube", "wrong " + PASSWORD)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (PASSWORD, cookie, token):
        assert secret not in logged
    rows = await console.db.conn.execute_fetchall("SELECT * FROM audit")
    rows += await console.db.conn.execute_fetchall("SELECT * FROM web_sessions")
    stored = "".join(str(tuple(r)) for r in rows)
    assert PASSWORD not in stored and cookie not in stored
