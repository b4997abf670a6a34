"""The seam, end to end: ``madoguchi broadcast`` (a real process) finds the Telegram channel's
sender (``bot.channels.telegram.sender.make_sender``), which sends through
python-telegram-bot over real HTTP to the fake Bot API; a resident who blocked the bot is
recorded blocked and skipped next time, and a 429 with ``retry_after`` is waited out."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("bot.channels.telegram.sender")

from bot.store.backend import open_database  # noqa: E402
from bot.store.residents import ResidentStore  # noqa: E402
from tests.support.staff import subscribe, write_staff  # noqa: E402
from tests.support.telegram_fake import TOKEN, FakeBotAPIServer, FakeTelegram  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHATS = [101, 102, 103, 104]


async def madoguchi(*args: str, env: dict) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


async def test_a_broadcast_reaches_telegram_through_the_channels_sender(db_target, tmp_path):
    db_path = db_target
    db = await open_database(db_path).open()
    await subscribe(db, "宇部市", [f"telegram:{c}" for c in CHATS])
    await db.close()
    api = FakeTelegram()
    api.block(102)
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=103)
    server = FakeBotAPIServer(api)
    base = await server.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base}
    common = ["--db", db_path, "--staff", str(write_staff(tmp_path)), "--as", "ube", "--yes"]
    try:
        status, out, err = await madoguchi(
            "broadcast", "--city", "宇部市", "--text", "12月の講習会のお知らせです", *common, env=env
        )
        assert status == 0, out + err
        assert "Telegram 4人" in out
        assert "送信 3人、失敗 0人、ブロック 1人（対象 4人" in out
        for chat in (101, 103, 104):
            assert api.texts(chat) == ["12月の講習会のお知らせです"]
        assert api.texts(102) == []
        assert all(TOKEN not in line for line in (out + err).splitlines())

        db = await open_database(db_path).open()
        assert await ResidentStore(db).is_blocked("telegram:102")
        await db.close()
        status, out, err = await madoguchi("broadcast", "--city", "宇部市", "--text", "二回目", *common, env=env)
        assert status == 0 and "送信 3人、失敗 0人、ブロック 0人（対象 3人" in out
    finally:
        await server.stop()
