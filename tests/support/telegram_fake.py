"""A fake Telegram Bot API for tests and benchmarks, in the manner of python-telegram-bot's
own test suite: a ``BaseRequest`` subclass that PTB's real ``Bot``/``Application`` send every
call through, recording it and answering like Telegram — or with an error when told to.

Lives here:

* ``FakeTelegram`` — the fake API's state: every call (method, parameters, status), the
  scripted failures (``fail``: any HTTP status with a description and ``retry_after``;
  ``time_out``; ``break_network``), the updates waiting for ``getUpdates``, and helpers to
  read what a chat was sent (``texts``, ``visible``, ``keyboards``).
* ``FakeRequest`` — the ``BaseRequest`` over a ``FakeTelegram`` (no sockets).
* ``FakeBotAPIServer`` — the same fake served over real HTTP on 127.0.0.1 (aiohttp), for
  ``TELEGRAM_API_BASE_URL`` end-to-end runs of ``madoguchi telegram``.
* ``Updates`` — Telegram-shaped JSON for updates (text, commands, button presses,
  locations, stickers, photos, voice, documents, ``my_chat_member``, group messages),
  to be turned into ``Update`` objects with ``Update.de_json``.

The virtual clock this harness runs on is ``tests.support.clock.VirtualTime``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram.settings import Limits

BOT_ID = 7000000001
BOT_USERNAME = "madoguchi_test_bot"
TOKEN = "7000000001:AAFakeTokenForTests_do-not-use-0123456789"
# No pacing and no flood control, retries kept: for tests and benchmarks of the answers themselves.
UNLIMITED = Limits(
    overall_per_second=None, broadcast_per_second=None, chat_per_second=None, group_per_minute=None, flood_messages=None
)


@dataclass
class Call:
    method: str
    params: dict
    status: int = 200
    at: float = 0.0
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class _Rule:
    method: str
    chat_id: Any
    times: int
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    exception: type | None = None  # raised by the transport instead of an HTTP answer


def _user(
    user_id: int,
    first_name: str = "Test",
    is_bot: bool = False,
    language_code: str | None = None,
    username: str | None = None,
) -> dict:
    out: dict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if language_code:
        out["language_code"] = language_code
    if username:
        out["username"] = username
    return out


def _chat(chat_id: int, chat_type: str | None = None) -> dict:
    chat_type = chat_type or ("private" if chat_id > 0 else "group")
    out: dict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        out["first_name"] = "Test"
    else:
        out["title"] = "Community group"
    return out


class FakeTelegram:
    """What the fake Bot API knows and answers."""

    def __init__(self, clock=time.monotonic, bot_id: int = BOT_ID, username: str = BOT_USERNAME, record: bool = True):
        self.clock = clock
        self.bot_id = bot_id
        self.username = username
        self.record = record  # benchmarks switch recording off to measure the pipeline alone
        self.calls: list[Call] = []
        self.counts: dict[str, int] = {}
        self._rules: list[_Rule] = []
        self._message_id = 0
        self.pending_updates: asyncio.Queue | None = None

    # -- scripting --------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: Any = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) get this error."""
        self._rules.append(_Rule(method, chat_id, times, status, description, retry_after))

    def time_out(self, method: str, times: int = 1, chat_id: Any = None) -> None:
        self._rules.append(_Rule(method, chat_id, times, exception=TimedOut))

    def break_network(self, method: str, times: int = 1, chat_id: Any = None) -> None:
        self._rules.append(_Rule(method, chat_id, times, exception=NetworkError))

    def block(self, chat_id: Any, times: int = 10**9) -> None:
        """The resident blocked the bot: every message to them is refused with 403."""
        self.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=times, chat_id=chat_id)

    def _rule_for(self, method: str, params: dict) -> _Rule | None:
        for rule in self._rules:
            if (
                rule.method == method
                and rule.times > 0
                and (rule.chat_id is None or rule.chat_id == params.get("chat_id"))
            ):
                rule.times -= 1
                return rule
        return None

    # -- answering --------------------------------------------------------------------------

    def me(self) -> dict:
        return {
            **_user(self.bot_id, "Madoguchi", is_bot=True, username=self.username),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict, **content: Any) -> dict:
        self._message_id += 1
        chat_id = params.get("chat_id")
        chat_id = int(chat_id) if isinstance(chat_id, (int, str)) and str(chat_id).lstrip("-").isdigit() else 1
        out = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(self.bot_id, "Madoguchi", is_bot=True, username=self.username),
            **content,
        }
        if params.get("reply_markup"):
            out["reply_markup"] = params["reply_markup"]
        return out

    def result(self, method: str, params: dict) -> Any:
        if method == "getMe":
            return self.me()
        if method == "sendMessage":
            return self._message(params, text=params.get("text", ""))
        if method == "sendVenue":
            venue = {
                "location": {"latitude": params["latitude"], "longitude": params["longitude"]},
                "title": params["title"],
                "address": params["address"],
            }
            return self._message(params, venue=venue, location=venue["location"])
        if method in ("editMessageReplyMarkup", "editMessageText"):
            return self._message(params, text="(edited)")
        if method == "getUpdates":
            return []
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # answerCallbackQuery, setMyCommands, setWebhook, deleteWebhook …

    def answer(self, method: str, params: dict, url: str = "") -> tuple[int, bytes]:
        """The HTTP status and body Telegram would send (or raise what the transport would)."""
        self.counts[method] = self.counts.get(method, 0) + 1
        rule = self._rule_for(method, params)
        status = 200 if rule is None or rule.exception else rule.status
        if self.record:
            self.calls.append(Call(method, params, 599 if rule and rule.exception else status, self.clock(), url))
        if rule is not None and rule.exception is not None:
            # What HTTPXRequest raises; a real httpx error message may quote the URL (and token).
            raise rule.exception(f"fake {rule.exception.__name__} while calling {url or method}")
        if rule is not None:
            body: dict = {"ok": False, "error_code": rule.status, "description": rule.description}
            if rule.retry_after is not None:
                body["parameters"] = {"retry_after": rule.retry_after}
            return rule.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self.result(method, params)}, ensure_ascii=False).encode()

    # -- reading what was sent ------------------------------------------------------------

    def of(self, method: str | None = None, chat_id: Any = None, ok: bool = True) -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and (chat_id is None or c.chat_id == chat_id) and (not ok or c.ok)
        ]

    def messages(self, chat_id: Any = None) -> list[Call]:
        return self.of("sendMessage", chat_id)

    def texts(self, chat_id: Any = None) -> list[str]:
        return [c.params["text"] for c in self.messages(chat_id)]

    def keyboards(self, chat_id: Any = None) -> list[list[dict]]:
        """The buttons of each message sent, flattened row by row."""
        return [
            [b for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
            for c in self.messages(chat_id)
        ]

    def visible(self, calls: list[Call]) -> str:
        """Everything a resident sees in these calls: texts, button labels, URL buttons."""
        parts = []
        for call in calls:
            if call.method == "sendMessage" and call.ok:
                parts.append(call.params["text"])
                for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        parts.append(f"{button['text']} {button['url']}" if "url" in button else button["text"])
            elif call.method == "sendVenue" and call.ok:
                parts.append(f"{call.params['title']}\n{call.params['address']}")
        return "\n".join(parts)

    def clear(self) -> None:
        self.calls.clear()


class FakeRequest(BaseRequest):
    """PTB's transport replaced: every Bot API call goes to the ``FakeTelegram``."""

    def __init__(self, api: FakeTelegram):
        self.api = api
        self.urls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        if self.api.record:
            self.urls.append(url)
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        if api_method == "getUpdates" and self.api.pending_updates is not None:
            return 200, json.dumps({"ok": True, "result": await _drain(self.api, params)}).encode()
        return self.api.answer(api_method, params, url)


async def _drain(api: FakeTelegram, params: dict) -> list[dict]:
    """getUpdates: what is waiting, or after a short long-poll nothing."""
    queue = api.pending_updates
    assert queue is not None
    out = []
    try:
        out.append(await asyncio.wait_for(queue.get(), timeout=min(float(params.get("timeout") or 0), 0.2) or 0.01))
    except TimeoutError:
        return []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def _form_value(key: str, value: str) -> Any:
    if key in ("text", "caption", "title", "address", "url", "secret_token", "callback_query_id", "data"):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotAPIServer:
    """The fake Bot API over real HTTP on 127.0.0.1: ``/bot<token>/<method>``."""

    def __init__(self, api: FakeTelegram, token: str = TOKEN):
        self.api = api
        self.token = token
        self.api.pending_updates = self.api.pending_updates or asyncio.Queue()
        self.base_url = ""
        self.requests: list[str] = []  # paths requested (they contain the token)
        self._runner = None

    async def start(self) -> str:
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request):
        from aiohttp import web

        self.requests.append(request.path)
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {k: _form_value(k, v) for k, v in form.items() if isinstance(v, str)}
        if method == "getUpdates":
            body = {"ok": True, "result": await _drain(self.api, params)}
            return web.Response(status=200, body=json.dumps(body).encode(), content_type="application/json")
        try:
            status, body = self.api.answer(method, params, str(request.url))
        except (TimedOut, NetworkError):
            await asyncio.sleep(0)
            return web.Response(status=502, text="bad gateway")
        return web.Response(status=status, body=body, content_type="application/json")


class Updates:
    """Telegram-shaped update JSON, numbered in order."""

    def __init__(self, bot_id: int = BOT_ID, bot_username: str = BOT_USERNAME):
        self.bot_id = bot_id
        self.bot_username = bot_username
        self._update_id = 100
        self._message_id = 5000

    def _next(self) -> tuple[int, int]:
        self._update_id += 1
        self._message_id += 1
        return self._update_id, self._message_id

    def message(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = "ja",
        is_bot: bool = False,
        edited: bool = False,
        **content: Any,
    ) -> dict:
        update_id, message_id = self._next()
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id, chat_type),
            "from": _user(user_id, is_bot=is_bot, language_code=language_code),
            **content,
        }
        if edited:
            message["edit_date"] = int(time.time())
        return {"update_id": update_id, "edited_message" if edited else "message": message}

    def text(self, chat_id: int, text: str, **kw: Any) -> dict:
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        mention = f"@{self.bot_username}"
        if mention in text:
            entities.append(
                {"type": "mention", "offset": _utf16_index(text, text.index(mention)), "length": len(mention)}
            )
        content: dict = {"text": text}
        if entities:
            content["entities"] = entities
        if kw.pop("reply_to_bot", False):
            content["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": _chat(chat_id, kw.get("chat_type")),
                "from": _user(self.bot_id, "Madoguchi", is_bot=True, username=self.bot_username),
                "text": "…",
            }
        return self.message(chat_id, **content, **kw)

    def command(self, chat_id: int, command: str, args: str = "", **kw: Any) -> dict:
        return self.text(chat_id, f"/{command}" + (f" {args}" if args else ""), **kw)

    def location(self, chat_id: int, lat: float, lon: float, **kw: Any) -> dict:
        return self.message(chat_id, location={"latitude": lat, "longitude": lon}, **kw)

    def venue(self, chat_id: int, lat: float, lon: float, title: str = "宇部市役所", **kw: Any) -> dict:
        location = {"latitude": lat, "longitude": lon}
        return self.message(
            chat_id, location=location, venue={"location": location, "title": title, "address": "宇部市"}, **kw
        )

    def sticker(self, chat_id: int, **kw: Any) -> dict:
        sticker = {
            "file_id": "CAACAgIAAxk",
            "file_unique_id": "AgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.message(chat_id, sticker=sticker, **kw)

    def photo(self, chat_id: int, **kw: Any) -> dict:
        size = {"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}
        return self.message(chat_id, photo=[size], **kw)

    def voice(self, chat_id: int, **kw: Any) -> dict:
        return self.message(chat_id, voice={"file_id": "AwACAgIAAxk", "file_unique_id": "AgADv", "duration": 3}, **kw)

    def document(self, chat_id: int, **kw: Any) -> dict:
        document = {"file_id": "BQACAgIAAxk", "file_unique_id": "AgADd", "file_name": "申請書.pdf"}
        return self.message(chat_id, document=document, **kw)

    def callback(self, chat_id: int, data: str, *, user_id: int | None = None, message_id: int = 1) -> dict:
        update_id, _ = self._next()
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(self.bot_id, "Madoguchi", is_bot=True, username=self.bot_username),
            "text": "…",
        }
        query = {
            "id": f"cq{update_id}",
            "from": _user(user_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": message,
        }
        return {"update_id": update_id, "callback_query": query}

    def my_chat_member(self, chat_id: int, old: str, new: str, *, user_id: int | None = None) -> dict:
        update_id, _ = self._next()
        user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
        bot = _user(self.bot_id, "Madoguchi", is_bot=True, username=self.bot_username)

        def member(status: str) -> dict:
            out: dict = {"status": status, "user": bot}
            if status == "kicked":
                out["until_date"] = 0
            if status == "administrator":
                out.update(
                    {
                        "can_be_edited": False,
                        "is_anonymous": False,
                        "can_manage_chat": True,
                        "can_delete_messages": False,
                        "can_manage_video_chats": False,
                        "can_restrict_members": False,
                        "can_promote_members": False,
                        "can_change_info": False,
                        "can_invite_users": False,
                        "can_post_stories": False,
                        "can_edit_stories": False,
                        "can_delete_stories": False,
                    }
                )
            return out

        change = {
            "chat": _chat(chat_id),
            "from": _user(user_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return {"update_id": update_id, "my_chat_member": change}


def _utf16_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2
