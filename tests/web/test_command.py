"""``madoguchi staff passwd`` and ``madoguchi web``: the password is read from standard input
and stored as an Argon2 hash only; the server starts, answers /healthz and lets the member in."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.store.backend import open_database
from bot.store.staff_logins import StaffLogins
from tests.support.staff import write_staff
from tests.support.web import csrf_of

ROOT = Path(__file__).parents[2]


def madoguchi(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


async def test_passwd_stores_an_argon2_hash_and_never_the_password(db_target, tmp_path):
    staff, db = write_staff(tmp_path), db_target
    done = madoguchi("staff", "passwd", "ube", "--staff", str(staff), "--db", str(db), stdin="a long enough secret\n")
    assert done.returncode == 0, done.stderr
    assert (
        "cli:ube のパスワードを設定しました" in done.stdout and "a long enough secret" not in done.stdout + done.stderr
    )
    async with open_database(db) as database:
        hashed = await StaffLogins(database).hash_of("cli:ube")
        assert hashed.startswith("$argon2id$")
        rows = [
            *await database.conn.execute_fetchall("SELECT * FROM audit"),
            *await database.conn.execute_fetchall("SELECT * FROM staff_passwords"),
        ]
        dump = "".join(str(tuple(r)) for r in rows)
    assert "a long enough secret" not in dump and "staff.passwd" in dump
    assert "a long enough secret" not in staff.read_text(encoding="utf-8")
    short = madoguchi("staff", "passwd", "ube", "--staff", str(staff), "--db", str(db), stdin="short\n")
    nobody = madoguchi(
        "staff", "passwd", "nobody", "--staff", str(staff), "--db", str(db), stdin="a long enough secret\n"
    )
    assert short.returncode == 2 and "10" in short.stderr and nobody.returncode == 2


async def test_web_serves_healthz_and_a_login(db_target, tmp_path):
    staff, db = write_staff(tmp_path), db_target
    assert (
        madoguchi(
            "staff", "passwd", "cli:admin", "--staff", str(staff), "--db", str(db), stdin="the admin password\n"
        ).returncode
        == 0
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "web",
        "--port",
        "0",  # any free port: the one bound is the one printed
        "--staff",
        str(staff),
        "--db",
        str(db),
        "--no-scheduler",
        "-v",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        first = (await asyncio.wait_for(server.stdout.readline(), 60)).decode()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", first).group(1))
        assert port != 0
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # an IP host
            base = f"http://127.0.0.1:{port}"
            async with http.get(base + "/healthz") as r:
                assert r.status == 200
            async with http.get(base + "/login") as r:
                token = csrf_of(await r.text())
            async with http.post(
                base + "/login", data={"member": "admin", "password": "the admin password", "csrf": token}
            ) as r:
                assert r.status == 200 and "県 デジタル推進課" in await r.text()
    finally:
        server.terminate()
        _, err = await asyncio.wait_for(server.communicate(), 30)
    log = err.decode()
    assert "the admin password" not in log and token not in log and "madoguchi_session" not in log
