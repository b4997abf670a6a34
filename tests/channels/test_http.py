"""The one HTTP site of the bot's servers: a real aiohttp application on 127.0.0.1,
asked over real HTTP; port 0 binds a free port and ``start`` says which."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from bot.channels.http import HttpSite, health_response


def _app(events: list[str]) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def lifecycle(app: web.Application):
        events.append("started")
        yield
        events.append("cleaned up")

    app = web.Application()
    app.router.add_get("/", hello)
    app.cleanup_ctx.append(lifecycle)
    return app


async def test_a_site_serves_on_the_port_it_bound_and_stops_once():
    events: list[str] = []
    site = HttpSite(_app(events), "127.0.0.1", 0)
    host, port = await site.start()
    assert host == "127.0.0.1" and port > 0 and (site.host, site.port) == (host, port)
    async with aiohttp.ClientSession() as session, session.get(f"http://{host}:{port}/") as response:
        assert (response.status, await response.text()) == (200, "hello")
    await site.stop()
    await site.stop()  # a second stop does nothing
    assert events == ["started", "cleaned up"]
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"http://{host}:{port}/")


async def test_a_site_never_started_stops_quietly():
    events: list[str] = []
    await HttpSite(_app(events), "127.0.0.1", 0).stop()
    assert events == []


async def test_the_access_log_can_be_turned_off(caplog):
    site = HttpSite(_app([]), "127.0.0.1", 0, access_log=None)
    host, port = await site.start()
    try:
        with caplog.at_level("INFO", logger="aiohttp.access"):
            async with aiohttp.ClientSession() as session, session.get(f"http://{host}:{port}/") as response:
                assert response.status == 200
    finally:
        await site.stop()
    assert not [r for r in caplog.records if r.name == "aiohttp.access"]


async def test_a_health_response_is_200_when_ok_and_503_when_not():
    ok = health_response(True, database="ok", queued=0)
    assert ok.status == 200 and json.loads(ok.text) == {"status": "ok", "database": "ok", "queued": 0}
    down = health_response(False, database="unavailable")
    assert down.status == 503 and json.loads(down.text) == {"status": "unavailable", "database": "unavailable"}
