"""Logging in: the form, sessions and their cookies, CSRF, the lockout, the audit log."""

from __future__ import annotations

import time

from bot.store.audit import AuditLog
from tests.support.web import PASSWORD, csrf_of, login


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json()) == {"ok": True}


async def test_anonymous_is_sent_to_the_login(client):
    response = await client.get("/classes", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] in ("/login?next=%2Fclasses", "/login?next=/classes")


async def test_login_form_has_member_password_and_csrf(client):
    html = await (await client.get("/login")).text()
    assert 'name="member"' in html and 'name="password"' in html and csrf_of(html)


async def test_login_sets_a_strict_httponly_session_and_logout_ends_it(client, console):
    response = await login(client, "cli:ube")
    assert response.status == 302 and response.headers["Location"] == "/"
    cookie = response.headers.getone("Set-Cookie")
    assert "madoguchi_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    home = await client.get("/")
    html = await home.text()
    assert home.status == 200 and "宇部市 デジタル推進担当" in html
    out = await client.post("/logout", data={"csrf": csrf_of(html)}, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/login"
    again = await client.get("/", allow_redirects=False)
    assert again.status == 302
    actions = [(e["actor"], e["action"], e["outcome"]) for e in await AuditLog(console.db).entries()]
    assert ("cli:ube", "web.login", "ok") in actions and ("cli:ube", "web.logout", "ok") in actions


async def test_secure_cookie_behind_https(client):
    page = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
    token, pre = csrf_of(await page.text()), page.headers.getone("Set-Cookie")
    assert "Secure" in pre  # so the client (on plain HTTP here) will not send it back: send it by hand
    response = await client.post(
        "/login",
        data={"member": "ube", "password": PASSWORD, "csrf": token},
        headers={"X-Forwarded-Proto": "https", "Cookie": pre.split(";")[0]},
        allow_redirects=False,
    )
    assert response.status == 302 and "Secure" in response.headers.getone("Set-Cookie")


async def test_login_without_csrf_is_refused(client, console):
    await client.get("/login")
    response = await client.post("/login", data={"member": "cli:ube", "password": PASSWORD}, allow_redirects=False)
    assert response.status == 403
    assert not [e for e in await AuditLog(console.db).entries() if e["action"] == "web.login"]


async def test_wrong_password_and_unknown_member_get_the_same_answer(client):
    wrong = await login(client, "cli:ube", "not the password")
    nobody = await login(client, "cli:nobody", "not the password")
    assert wrong.status == nobody.status == 401
    assert (
        "担当者名かパスワードが違います" in await wrong.text()
        and "担当者名かパスワードが違います" in await nobody.text()
    )


async def test_five_failures_lock_the_member_for_fifteen_minutes(client, console):
    for _ in range(5):
        await login(client, "cli:ube", "wrong password!")
    locked = await login(client, "cli:ube")  # the right password, during the lock
    assert locked.status == 401 and "15分" in await locked.text() or "ログインできません" in await locked.text()
    outcomes = [e["outcome"] for e in await AuditLog(console.db).entries() if e["action"] == "web.login"]
    assert outcomes[0] == "locked" and outcomes.count("wrong") == 4
    from bot.store.staff_logins import StaffLogins

    assert await StaffLogins(console.db).locked_until("cli:ube", time.time() + 14 * 60) is not None
    assert await StaffLogins(console.db).locked_until("cli:ube", time.time() + 16 * 60) is None


async def test_an_idle_session_expires(client, console):
    await login(client, "cli:ube")
    await console.db.conn.execute("UPDATE web_sessions SET last_seen = last_seen - ?", (console.idle + 1,))
    await console.db.conn.commit()
    response = await client.get("/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")


async def test_next_never_leaves_the_site(client):
    page = await client.get("/login?next=//evil.example/x")
    assert 'value="/"' in await page.text()
