"""The permission matrix of the web console, route by route: anonymous visitors, the admin,
municipal staff of 宇部市 acting on 山口市, and support staff acting on classes and
broadcasts — the same answers as the CLI's ``StaffGuard`` gives, refusals audited — and
CSRF: a form post without the token is refused with 403 and changes nothing."""

from __future__ import annotations

import pytest

from bot.store.audit import AuditLog
from bot.store.broadcasts import BroadcastStore
from bot.store.overview import Overview
from tests.support.staff import subscribe
from tests.support.web import csrf_of, login

ANON, ADMIN, UBE, SUPPORT = None, "cli:admin", "cli:ube", "cli:support"


@pytest.fixture
async def targets(console):
    """A 山口市 class and a 山口市 broadcast, for 宇部市's staff to reach for."""
    c = (await Overview(console.db).classes(["山口市"], since=console.clock().date(), limit=1)).classes[0]
    await subscribe(console.db, "山口市", ["console:y1"])
    broadcast_id = await BroadcastStore(console.db).create("cli:yamaguchi", "山口市", "text", "山口市のお知らせ")
    return {"class": c.id, "broadcast": broadcast_id}


GETS = [  # path, {role: status}
    ("/", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 200}),
    ("/classes", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/classes?city=山口市", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/classes/{class}/cancel", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/classes/export?month=2026-12&city=山口市", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/classes/export?month=2026-12&format=newsletter", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/broadcasts", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/broadcasts/new", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/broadcasts/{broadcast}", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/broadcasts/{broadcast}/progress", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/broadcasts/{broadcast}/report.csv", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/shops", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 200}),
    ("/shops/edit/docomo-fujigrand-ube", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 200}),
    ("/shops/yaml", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 200}),
    ("/shops/history", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 200}),
    ("/unanswered", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/unanswered.csv", {ANON: 302, ADMIN: 200, UBE: 200, SUPPORT: 403}),
    ("/audit", {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403}),
    ("/chat", {ANON: 200, ADMIN: 200, UBE: 200, SUPPORT: 200}),
    ("/healthz", {ANON: 200, ADMIN: 200, UBE: 200, SUPPORT: 200}),
]
POSTS = [  # path, form, {role: status}; each changes something when allowed
    ("/classes/{class}/cancel", {}, {ANON: 302, UBE: 403, SUPPORT: 403}),
    (
        "/broadcasts/preview",
        {"city": "山口市", "kind": "text", "text": "x"},
        {ANON: 302, ADMIN: 200, UBE: 403, SUPPORT: 403},
    ),
    (
        "/broadcasts/confirm",
        {"city": "山口市", "kind": "text", "text": "x", "hash": "0"},
        {ANON: 302, UBE: 403, SUPPORT: 403},
    ),
    ("/broadcasts/{broadcast}/cancel", {}, {ANON: 302, UBE: 403, SUPPORT: 403}),
    ("/broadcasts/{broadcast}/start", {}, {ANON: 302, UBE: 403, SUPPORT: 403}),
    ("/broadcasts/emergency-stop", {}, {ANON: 302, UBE: 403, SUPPORT: 403}),
    ("/shops/yaml", {"text": "shops: []", "base": "0"}, {ANON: 302, UBE: 403}),
    ("/unanswered/mark", {"text": "x", "mark": "handled"}, {ANON: 302, SUPPORT: 403}),
]


ROLES = [ANON, ADMIN, UBE, SUPPORT]


@pytest.mark.parametrize("role", ROLES)
async def test_every_page(client, console, targets, role):
    if role:
        await login(client, role)
    for path, answers in GETS:
        expected = answers[role]
        response = await client.get(path.format(**targets), allow_redirects=False)
        assert response.status == expected, (path, await response.text())
        if expected == 302:
            assert response.headers["Location"].startswith("/login")
        if expected == 403 and role:
            assert "権限がありません" in await response.text()
    if role in (UBE, SUPPORT):
        assert any(e["actor"] == role and e["outcome"] == "denied" for e in await AuditLog(console.db).entries())


async def _state(console, targets) -> tuple:
    row = await BroadcastStore(console.db).get(targets["broadcast"])
    cls = await console.db.conn.execute_fetchall("SELECT COUNT(*) FROM classes WHERE id = ?", (targets["class"],))
    return row.status, cls[0][0], len(await BroadcastStore(console.db).list()), console.bot.shops_file.read_bytes()


@pytest.mark.parametrize("role", ROLES)
async def test_every_refused_action_changes_nothing(client, console, targets, role):
    if role:
        await login(client, role)
    for path, form, answers in POSTS:
        if role not in answers:
            continue
        before = await _state(console, targets)
        page = await client.get("/chat")  # every page carries the visitor's token
        response = await client.post(
            path.format(**targets), data={**form, "csrf": csrf_of(await page.text())}, allow_redirects=False
        )
        assert response.status == answers[role], path
        if answers[role] != 200:
            assert await _state(console, targets) == before, path


async def test_a_post_without_the_csrf_token_is_refused(client, console, targets):
    await login(client, ADMIN)
    before = await _state(console, targets)
    for path, form in [(p, f) for p, f, _ in POSTS] + [
        ("/logout", {}),
        ("/login", {"member": "cli:admin"}),
        ("/classes/upload", {}),
        ("/chat", {"text": "x"}),
    ]:
        for token in (None, "forged-token-000000000000000"):
            data = {**form} if token is None else {**form, "csrf": token}
            response = await client.post(path.format(**targets), data=data, allow_redirects=False)
            assert response.status == 403, path
    assert await _state(console, targets) == before
    assert (await client.get("/", allow_redirects=False)).status == 200  # still logged in: /logout did nothing
