"""``madoguchi telegram``: settings from the environment, long polling against a Bot API
at ``TELEGRAM_API_BASE_URL`` (a fake one over real HTTP on 127.0.0.1), and the token kept
out of every log line, error message and ``repr``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import subprocess
import sys

import pytest

from bot.channels.telegram.runner import serve
from bot.channels.telegram.settings import DEFAULT_API, Limits, SettingsError, load_settings
from bot.cli import main
from bot.delivery.redaction import MARK, redact
from tests.support.telegram_fake import TOKEN, FakeBotAPIServer, FakeTelegram, Updates


def args(**kw) -> argparse.Namespace:
    base = dict(
        webhook_url=None, listen=None, port=None, webhook_path=None, staff=None, shops=None, drop_pending_updates=False
    )
    return argparse.Namespace(**{**base, **kw})


def test_port_0_asks_for_any_free_port_and_no_port_means_8080():
    assert load_settings(args(port=0), {"TELEGRAM_BOT_TOKEN": TOKEN}).port == 0
    assert load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN}).port == 8080


def test_settings_from_the_environment():
    s = load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert s.token == TOKEN and s.api_base_url == DEFAULT_API and not s.webhook
    assert s.bot_base_url == "https://api.telegram.org/bot"
    assert TOKEN not in repr(s) and s.webhook_secret not in repr(s)
    s = load_settings(
        args(webhook_url="https://bot.example.jp/madoguchi/tg", port=8443),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/"},
    )
    assert s.webhook and s.webhook_path == "/madoguchi/tg" and s.port == 8443
    assert s.api_base_url == "http://127.0.0.1:8081" and s.file_base_url == "http://127.0.0.1:8081/file/bot"
    assert len(s.webhook_secret) >= 32
    s2 = load_settings(args(webhook_url="https://bot.example.jp/x"), {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert s2.webhook_secret != s.webhook_secret  # a fresh secret per start unless one is configured
    s3 = load_settings(
        args(webhook_url="https://bot.example.jp/x"),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "fixed_Secret-1"},
    )
    assert s3.webhook_secret == "fixed_Secret-1"


OK = {"TELEGRAM_BOT_TOKEN": TOKEN}


@pytest.mark.parametrize(
    "env, kw, message",
    [
        ({}, {}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not a token " + TOKEN}, {}, "does not look like a bot token"),
        ({**OK, "TELEGRAM_API_BASE_URL": "ftp://x"}, {}, "http(s) URL"),
        (OK, {"webhook_url": "http://bot.example.jp/x"}, "https://"),
        (
            {**OK, "TELEGRAM_WEBHOOK_SECRET": "has spaces in it"},
            {"webhook_url": "https://x.jp/x"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (OK, {"staff": "/nonexistent/staff.yaml"}, "does not exist"),
    ],
)
def test_settings_errors_never_quote_the_token(env, kw, message):
    with pytest.raises(SettingsError) as exc:
        load_settings(args(**kw), env)
    assert message in str(exc.value) and TOKEN not in str(exc.value)


def test_the_command_without_a_token_says_what_to_do(monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["telegram"]) == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_loading_the_cli_does_not_load_telegram():
    code = (
        "import sys, bot.cli; bot.cli._parser(); import bot.channels.telegram.command;"
        "bad=[m for m in sys.modules if m.split('.')[0]=='telegram']; print(bad); raise SystemExit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def test_long_polling_against_the_api_base_url_over_real_http(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # httpx logs every request URL, token and all, at INFO
    api = FakeTelegram()
    fake = FakeBotAPIServer(api)
    base = await fake.start()
    try:
        settings = load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base})
        settings = dataclasses.replace(
            settings, limits=Limits(backoff_seconds=0.01, max_backoff_seconds=0.02, chat_per_second=None)
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, db=str(tmp_path / "p.db"), stop=stop))
        updates = Updates()
        await api.pending_updates.put(updates.text(42, "宇部のドコモ"))
        await api.pending_updates.put(updates.callback(42, "menu"))
        for _ in range(500):
            if len(api.messages(42)) >= 2 or task.done():
                break
            await asyncio.sleep(0.01)
        api.fail("sendMessage", 500, "Internal Server Error", times=10)  # errors get logged too
        await api.pending_updates.put(updates.text(43, "こんにちは"))
        for _ in range(500):
            if len(api.of("sendMessage", ok=False)) >= 3 or task.done():
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 15)
    finally:
        await fake.stop()
    assert all(path.startswith(f"/bot{TOKEN}/") for path in fake.requests)  # it really used the base URL
    methods = {c.method for c in api.calls}
    assert {"getMe", "setMyCommands", "deleteWebhook", "sendMessage", "answerCallbackQuery"} <= methods
    texts = api.texts(42)
    assert "ドコモショップフジグラン宇部店" in texts[0] and "ご案内できること" in texts[1]
    assert len(api.of("sendMessage", ok=False)) - len(api.messages()) >= 3  # the 500s, retried
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request" in logged and MARK in logged  # httpx did log the URLs…
    assert TOKEN not in logged  # …without the token


def test_redact_also_covers_the_url_encoded_token():
    from urllib.parse import quote

    assert redact(f"x {quote(TOKEN, safe='')} y") == f"x {MARK} y"


async def test_the_real_command_answers_and_stops_cleanly_on_sigterm(tmp_path):
    """``python -m bot telegram -v`` as staff would start it, against the fake Bot API."""
    import os
    import signal

    api = FakeTelegram()
    fake = FakeBotAPIServer(api)
    base = await fake.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base,
        "MADOGUCHI_DB": str(tmp_path / "cli.db"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "telegram", "-v", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await api.pending_updates.put(Updates().text(42, "宇部のドコモ"))
        for _ in range(600):
            if api.messages(42) or proc.returncode is not None:
                break
            await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
        await fake.stop()
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert "ドコモショップフジグラン宇部店" in api.texts(42)[0]
    assert "long polling" in stderr and "Traceback" not in stderr
    assert TOKEN not in stderr


async def test_the_running_bot_sends_due_scheduled_broadcasts_and_watches_the_shop_listing(tmp_path):
    from datetime import datetime, timedelta

    from bot.app import open_app
    from bot.clock import TOKYO
    from bot.store.broadcasts import BroadcastStore
    from bot.store.residents import ResidentStore

    db = str(tmp_path / "s.db")
    app = await open_app(db, watch_shops=False)
    try:
        await ResidentStore(app.db).subscribe("telegram:77", "宇部市")
        due = datetime.now(TOKYO) - timedelta(minutes=1)
        broadcast_id = await BroadcastStore(app.db).create(
            "telegram:9001", "宇部市", "text", "予約したお知らせ", ["telegram"], due
        )
    finally:
        await app.close()
    api = FakeTelegram()
    fake = FakeBotAPIServer(api)
    base = await fake.start()
    ready = []
    try:
        settings = load_settings(args(), {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base})
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve(settings, db=db, stop=stop, on_ready=lambda application, _: ready.append(application))
        )
        for _ in range(500):
            if any("予約したお知らせ" in t for t in api.texts(77)) or task.done():
                break
            await asyncio.sleep(0.01)
        (application,) = ready
        channel = application.bot_data["channel"]
        assert channel.app.shop_watcher is not None and channel.app.shop_watcher.on_error is not None
        stop.set()
        await asyncio.wait_for(task, 15)
    finally:
        await fake.stop()
    assert [t for t in api.texts(77) if "予約したお知らせ" in t] == ["予約したお知らせ"]
    app = await open_app(db, watch_shops=False)
    try:
        row = await BroadcastStore(app.db).get(broadcast_id)
        assert row.status == "done"
        async with app.db.conn.execute(
            "SELECT user_key, status FROM deliveries WHERE broadcast_id = ?", (broadcast_id,)
        ) as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("telegram:77", "sent")]
    finally:
        await app.close()
