"""The Telegram test harness: Madoguchi's real PTB ``Application`` over the fake Bot API
(``tests/support/telegram_fake.py``), on virtual time, with an error handler that fails the
test on any handler exception (PTB on its own would only log it)."""

from __future__ import annotations

import contextlib
import traceback

import aiohttp
import pytest
from telegram import Update

from bot.channel_services import ChannelServices
from bot.channels.telegram.channel import build_application
from bot.channels.telegram.settings import Limits, TelegramSettings
from bot.channels.telegram.webhook import WebhookServer
from bot.staff.roles import StaffDirectory
from tests.support.clock import VirtualTime
from tests.support.telegram_fake import TOKEN, FakeRequest, FakeTelegram, Updates

ADMIN = 9001  # telegram user ids of staff in the harness's staff.yaml
UBE_STAFF = 9002
SUPPORT = 9003
STAFF_YAML = f"""\
staff:
  - {{id: "telegram:{ADMIN}", name: 県 管理者, role: admin}}
  - {{id: "telegram:{UBE_STAFF}", name: 宇部市 担当, role: municipal, municipalities: [宇部市]}}
  - {{id: "telegram:{SUPPORT}", name: サポート 佐藤, role: support}}
"""


class Harness:
    def __init__(self, app, tmp_path, limits: Limits | None = None, shops_file=None):
        self.app = app
        self.time = VirtualTime()
        self.api = FakeTelegram(clock=self.time)
        self.request = FakeRequest(self.api)
        staff_file = tmp_path / "staff.yaml"
        staff_file.write_text(STAFF_YAML, encoding="utf-8")
        kwargs = {"shops_file": shops_file} if shops_file else {}
        self.settings = TelegramSettings(token=TOKEN, staff_file=staff_file, limits=limits or Limits(), **kwargs)
        self.application = build_application(
            app,
            self.settings,
            request=self.request,
            get_updates_request=FakeRequest(self.api),
            polling=False,
            clock=self.time,
            sleep=self.time.sleep,
        )
        self.channel = self.application.bot_data["channel"]
        self.updates = Updates()
        self.errors: list[BaseException] = []
        self.application.add_error_handler(self._fail)

    async def _fail(self, update, context) -> None:
        self.errors.append(context.error)

    def check(self) -> None:
        if self.errors:
            error = self.errors[0]
            trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            raise AssertionError(f"a handler raised {error!r}\n{trace}")

    async def send(self, data: dict) -> list:
        """Process one update through the Application; the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        self.check()
        return self.api.calls[before:]

    async def say(self, chat_id: int, text: str, **kw) -> list:
        return await self.send(self.updates.text(chat_id, text, **kw))

    async def press(self, chat_id: int, data: str, **kw) -> list:
        return await self.send(self.updates.callback(chat_id, data, **kw))

    async def settle(self) -> None:
        """Wait for background work (broadcasts) to finish."""
        await self.channel.staff_chat.finish()
        self.check()


@pytest.fixture
async def make_tg(app, tmp_path):
    """Harnesses with chosen limits (or a chosen shop file); all shut down at the end."""
    made: list[Harness] = []

    async def make(limits: Limits | None = None, shops_file=None) -> Harness:
        harness = Harness(app, tmp_path, limits, shops_file)
        await harness.application.initialize()
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.settle()
        await harness.application.shutdown()
        harness.check()


@pytest.fixture
async def tg(make_tg):
    return await make_tg()


@pytest.fixture
def staff_directory(tmp_path):
    path = tmp_path / "staff.yaml"
    path.write_text(STAFF_YAML, encoding="utf-8")
    return StaffDirectory.load(path)


@contextlib.asynccontextmanager
async def serving_webhook(harness: Harness, secret: str):
    """The harness's Application started behind a real ``WebhookServer`` on 127.0.0.1:
    the server, a client session and the webhook's URL."""
    await harness.application.start()
    services = ChannelServices(harness.app.db, "telegram")
    server = WebhookServer(harness.application, secret, "/telegram", "127.0.0.1", 0, services)
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield server, session, f"http://127.0.0.1:{port}/telegram"
    finally:
        await server.stop()
        await harness.application.stop()
