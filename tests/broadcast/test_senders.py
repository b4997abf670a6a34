"""Finding the senders a broadcast can use here (``open_senders``): the channel packages
configured in the environment, a server's own sender kept and never closed by the set,
and why a channel is missing."""

from __future__ import annotations

from types import SimpleNamespace

from bot.broadcast.senders import open_senders


class OwnSender:
    channel = "line"
    closed = False

    async def close(self) -> None:
        self.closed = True


async def test_a_servers_own_sender_is_used_and_left_to_it(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    own = OwnSender()
    found = await open_senders(SimpleNamespace(rate=None), have={"line": own})
    assert found.senders["line"] is own and "console" in found.senders
    assert "TELEGRAM_BOT_TOKEN" in found.unavailable["telegram"]  # named, so the log says why
    assert found.summary().startswith("console, line (not telegram: ")
    await found.close()
    assert not own.closed  # the server closes its own sender


async def test_telegram_is_added_when_its_token_is_set(monkeypatch):
    from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    api = FakeTelegram()
    found = await open_senders(
        SimpleNamespace(rate=None, telegram_request=FakeRequest(api)), have={"line": OwnSender()}
    )
    try:
        assert set(found.senders) == {"console", "line", "telegram"} and found.unavailable == {}
        assert [c.method for c in api.calls] == ["getMe"]  # the token was checked at start
    finally:
        await found.close()
