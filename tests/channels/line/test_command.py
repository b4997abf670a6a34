"""``madoguchi line``: options, settings from the environment, and a real process
serving signed webhooks on loopback, answering through the fake LINE API, stopping
cleanly on SIGTERM, and never printing a secret."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest

from bot.channels.line.config import DEFAULT_API_BASE_URL, LineConfig, MissingSetting
from bot.cli import _parser, main
from tests.support import line_fake as lf

SECRET = "process-channel-secret-5e6f7a8b9c0d"


def test_the_options():
    args = _parser().parse_args(
        [
            "line",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--path",
            "/hook",
            "--workers",
            "3",
            "--push-fallback",
            "--db",
            "x.db",
        ]
    )
    assert (args.host, args.port, args.path, args.workers, args.push_fallback, args.db) == (
        "0.0.0.0",
        9000,
        "/hook",
        3,
        True,
        "x.db",
    )
    args = _parser().parse_args(["line"])
    assert (args.host, args.port, args.path, args.workers, args.push_fallback) == (
        "127.0.0.1",
        8080,
        "/callback",
        8,
        None,
    )


def test_settings_from_the_environment():
    env = {"LINE_CHANNEL_SECRET": " s ", "LINE_CHANNEL_ACCESS_TOKEN": "t"}
    config = LineConfig.from_env(env)
    assert (config.channel_secret, config.access_token, config.api_base_url, config.push_fallback) == (
        "s",
        "t",
        DEFAULT_API_BASE_URL,
        False,
    )
    config = LineConfig.from_env({**env, "LINE_API_BASE_URL": "http://127.0.0.1:9/", "LINE_PUSH_FALLBACK": "yes"})
    assert (config.api_base_url, config.push_fallback) == ("http://127.0.0.1:9", True)
    assert LineConfig.from_env({**env, "LINE_PUSH_FALLBACK": "1"}, push_fallback=False).push_fallback is False
    assert "s3cr3t" not in repr(LineConfig("s3cr3t", "t0k3n")) and "t0k3n" not in repr(LineConfig("s3cr3t", "t0k3n"))
    with pytest.raises(MissingSetting, match="LINE_CHANNEL_ACCESS_TOKEN"):
        LineConfig.from_env({"LINE_CHANNEL_SECRET": "s"})
    with pytest.raises(MissingSetting, match="LINE_API_BASE_URL"):
        LineConfig.from_env({**env, "LINE_API_BASE_URL": "api.line.me"})


def test_missing_secrets_refuse_to_start(monkeypatch, capsys):
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "only-the-secret-is-set")
    assert main(["line"]) == 2
    err = capsys.readouterr().err
    assert "LINE_CHANNEL_ACCESS_TOKEN" in err and "only-the-secret-is-set" not in err


def test_bad_option_values(monkeypatch, capsys):
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "s")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "t")
    assert main(["line", "--path", "callback"]) == 2
    assert main(["line", "--port", "70000"]) == 2
    assert main(["line", "--workers", "0"]) == 2
    assert "--path" in capsys.readouterr().err


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "tok",
            "MADOGUCHI_DB": str(tmp_path / "p.db"),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "line", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and str(port) in proc.stderr


def test_the_command_module_loads_no_sdk():
    code = (
        "import sys, bot.cli; bot.cli._parser();"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('linebot','aiohttp')];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def test_a_real_process_serves_answers_and_stops_cleanly(tmp_path, fake):
    env = lf.process_env(fake.url, SECRET, fake.access_token, MADOGUCHI_DB=str(tmp_path / "line.db"))
    proc = await asyncio.create_subprocess_exec(
        *lf.LINE_COMMAND,
        "--demo",
        "--verbose",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert "listening on http://127.0.0.1:" in first, first
        url = first.split("listening on ", 1)[1].split(" ", 1)[0]
        base = url.rsplit("/", 1)[0]
        user = lf.user_id("process")
        event = lf.text(user, "宇部のドコモ")
        raw = lf.body(event)
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=raw, headers={"x-line-signature": lf.signature(raw, SECRET)}) as r:
                assert r.status == 200
            async with session.post(url, data=raw, headers={"x-line-signature": "forged"}) as r:
                assert r.status == 401
            call = await fake.reply_for(event["replyToken"], timeout=30)
            assert "0120-173-053" in call.messages[0]["text"]
            async with session.get(base + "/healthz") as r:
                assert r.status == 200 and (await r.json())["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    out = first + (await proc.stdout.read()).decode()
    err = (await proc.stderr.read()).decode()
    assert "shutting down" in out
    assert "Traceback" not in err
    assert "aiohttp.access" in err  # --verbose logs each request …
    for secret in (SECRET, fake.access_token, lf.signature(raw, SECRET)):
        assert secret not in out and secret not in err  # … and never a secret
