"""The webhook over real HTTP on 127.0.0.1: the right secret token is processed, a wrong
one or none gets 403 and is never processed; ``madoguchi telegram --webhook-url`` sets the
webhook with its secret and serves it."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bot.channel_services import ChannelServices
from bot.channels.telegram.runner import ALLOWED_UPDATES, serve
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.webhook import SECRET_HEADER, WebhookServer
from tests.channels.telegram.conftest import serving_webhook
from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram, Updates

SECRET = "s3cret_token-for-tests"


@pytest.fixture
async def served(tg):
    async with serving_webhook(tg, SECRET) as (server, session, url):
        yield tg, server, session, url


async def post(session, url, body, secret=None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    async with session.post(url, data=data, headers=headers) as response:
        return response.status


async def until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_the_right_secret_is_processed(served):
    tg, server, session, url = served
    assert await post(session, url, tg.updates.text(42, "宇部のドコモ"), SECRET) == 200
    await until(lambda: tg.api.messages(42))
    await tg.application.update_queue.join()
    assert "ドコモショップフジグラン宇部店" in tg.api.texts(42)[0]
    assert server.accepted == 1


async def test_an_update_sent_again_is_acknowledged_and_handled_once_also_by_another_server(served):
    """Telegram sends an update again when its 200 came late; behind a load balancer the
    repeat may reach another process: the update id is recorded in the database, not here."""
    tg, server, session, url = served
    update = tg.updates.text(43, "宇部のドコモ")
    assert await post(session, url, update, SECRET) == 200
    assert await post(session, url, update, SECRET) == 200
    other = WebhookServer(tg.application, SECRET, "/telegram", "127.0.0.1", 0, ChannelServices(tg.app.db, "telegram"))
    port = await other.start()
    try:
        assert await post(session, f"http://127.0.0.1:{port}/telegram", update, SECRET) == 200
    finally:
        await other.stop()
    await until(lambda: tg.api.messages(43))
    await tg.application.update_queue.join()
    assert len(tg.api.texts(43)) == 1 and "ドコモショップフジグラン宇部店" in tg.api.texts(43)[0]
    assert (server.accepted, server.repeated, other.accepted, other.repeated) == (1, 1, 0, 1)


@pytest.mark.parametrize("secret", ["wrong-secret", "", None, SECRET + "x", SECRET[:-1]])
async def test_a_wrong_or_missing_secret_is_refused_and_never_processed(served, secret):
    tg, server, session, url = served
    assert await post(session, url, tg.updates.text(42, "宇部のドコモ"), secret) == 403
    await asyncio.sleep(0.05)
    await tg.application.update_queue.join()
    assert tg.api.messages() == [] and tg.application.update_queue.empty()
    assert await tg.app.engine.conversations.load("telegram:42") == {}
    assert tg.channel.stats["updates"] == 0
    assert server.refused == 1 and server.accepted == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
async def test_a_malformed_body_with_the_right_secret_is_a_400(served, body):
    tg, server, session, url = served
    assert await post(session, url, body, SECRET) == 400
    assert tg.api.messages() == []


async def test_health_and_other_paths(served):
    tg, server, session, url = served
    health = url.replace("/telegram", "/healthz")
    async with session.get(health) as response:
        body = await response.json()
        assert response.status == 200 and body["status"] == "ok" and body["running"] is True
        assert body["accepted"] == server.accepted and body["refused"] == server.refused
    await tg.application.stop()  # starting or stopping: the monitor is told it is unavailable
    async with session.get(health) as response:
        body = await response.json()
        assert response.status == 503 and body["status"] == "unavailable" and body["running"] is False
    await tg.application.start()
    async with session.get(url) as response:
        assert response.status == 405
    assert await post(session, url.replace("/telegram", "/other"), {}, SECRET) == 404


async def test_serve_in_webhook_mode_sets_the_webhook_with_its_secret(tmp_path):
    api = FakeTelegram()
    settings = TelegramSettings(
        token=TOKEN,
        webhook_url="https://bot.example.jp/tg/hook",
        webhook_path="/tg/hook",
        port=0,
        webhook_secret=SECRET,
    )
    stop = asyncio.Event()
    ready: dict = {}
    task = asyncio.create_task(
        serve(
            settings,
            db=str(tmp_path / "w.db"),
            stop=stop,
            request=FakeRequest(api),
            on_ready=lambda application, server: ready.update(server=server),
        )
    )
    await until(lambda: "server" in ready or task.done())
    (hook,) = api.of("setWebhook")
    assert hook.params["url"] == "https://bot.example.jp/tg/hook"
    assert hook.params["secret_token"] == SECRET
    assert hook.params["allowed_updates"] == ALLOWED_UPDATES
    assert len(api.of("setMyCommands")) == 3
    url = f"http://127.0.0.1:{ready['server'].port}/tg/hook"
    async with aiohttp.ClientSession() as session:
        assert await post(session, url, Updates().text(42, "こんにちは"), "nope") == 403
        assert await post(session, url, Updates().text(42, "こんにちは"), SECRET) == 200
    await until(lambda: api.messages(42))
    stop.set()
    await asyncio.wait_for(task, 10)
    assert len(api.messages(42)) == 1


@pytest.mark.parametrize("header", [b"\xff\xfe", b"s3cret_token-for-tests\x80", "宇部".encode("cp932")])
async def test_a_secret_header_that_is_not_utf8_is_a_403_not_an_error(served, header, caplog):
    tg, server, session, url = served
    port = int(url.split(":")[2].split("/")[0])
    body = json.dumps(tg.updates.text(42, "宇部のドコモ")).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + header
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] == b"403"
    assert server.accepted == 0 and "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"chat": {"id": [1], "type": "private"}},  # found by the fuzz test: a list as the chat id
        {"chat": {"id": "42", "type": "private"}},
        {"from": {"id": True, "is_bot": False, "first_name": "x"}},
        {"text": ["宇部"]},
        {"message_id": "1"},
    ],
)
async def test_an_update_with_ids_or_text_of_the_wrong_type_is_a_400(served, change):
    tg, server, session, url = served
    update = tg.updates.text(42, "宇部のドコモ")
    update["message"].update(change)
    assert await post(session, url, update, SECRET) == 400
    assert server.accepted == 0
