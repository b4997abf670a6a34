"""A fake LINE Messaging API on loopback, for tests and benchmarks.

``FakeLineApi`` is a real aiohttp server on 127.0.0.1 that line-bot-sdk's real
``AsyncMessagingApi`` talks to (``Configuration(host=fake.url)``). It records every
call (method, path, headers, JSON body, the status it answered) and behaves like LINE
where the bot depends on it:

- ``Authorization: Bearer <token>`` is required (401 otherwise);
- reply tokens are single-use; a used, unknown-to-be-fresh (``expire``) token gets
  400 ``{"message": "Invalid reply token"}``;
- the LINE limits are checked: 1–5 messages, text ≤ 5,000 UTF-16 units, quick
  replies ≤ 13 items, action labels ≤ 20 characters, URI schemes http/https/tel/line,
  multicast ≤ 500 user IDs (400 with details otherwise);
- ``X-Line-Retry-Key`` on push and multicast: a key already accepted gets 409 with
  ``x-line-accepted-request-id``, and nothing is sent twice;
- the monthly quota (``quota``; None is unlimited) and its consumption, which counts
  recipients of pushes and multicasts (replies are free).

Failures are scripted per endpoint (``fail("reply", 500)``, ``fail("multicast", 429, times=2)``)
and slowness too (``slow("push", 1.0)``), to drive retries and timeouts.

The second half builds what LINE sends to the bot: webhook events (text, location,
postback, follow, unfollow, sticker, image …), bodies, and their signatures.

``python -m tests.support.line_fake [--port N] [--quota N]`` runs the API on its own and
prints its URL (the benchmark does this); another process then steers it through
``GET /_fake/stats``, ``POST /_fake/fail`` ``{"endpoint", "status", "times"}`` and
``POST /_fake/reset`` (``POST /_fake/echo`` just answers 200: a baseline for timing).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import sys
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

ACCESS_TOKEN = "fake-access-token-for-tests"
ENDPOINTS = {
    ("POST", "/v2/bot/message/reply"): "reply",
    ("POST", "/v2/bot/message/push"): "push",
    ("POST", "/v2/bot/message/multicast"): "multicast",
    ("GET", "/v2/bot/message/quota"): "quota",
    ("GET", "/v2/bot/message/quota/consumption"): "consumption",
}
URI_SCHEMES = ("http://", "https://", "tel:", "line://")


@dataclass
class Call:
    endpoint: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    at: float

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages", []) if isinstance(self.body, dict) else []

    @property
    def retry_key(self) -> str | None:
        return self.headers.get("X-Line-Retry-Key")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _actions(message: dict) -> list[dict]:
    """Every action object in a message (quick replies and flex buttons)."""
    found = [item.get("action", {}) for item in (message.get("quickReply") or {}).get("items", [])]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and isinstance(node.get("action"), dict):
                found.append(node["action"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("contents"))
    return found


# Each check of one message returns what follows ``messages[n]`` in a problem: ".field: …" or ": …".


def _text_problems(m: dict) -> list[str]:
    return [] if m.get("text") and utf16_len(m["text"]) <= 5000 else [".text: 1..5000 characters"]


def _flex_problems(m: dict) -> list[str]:
    return [] if m.get("altText") and utf16_len(m["altText"]) <= 400 else [".altText: 1..400 characters"]


def _location_problems(m: dict) -> list[str]:
    out = [f".{key}: 1..100 characters" for key in ("title", "address") if not m.get(key) or len(m[key]) > 100]
    if not (-90 <= m.get("latitude", 999) <= 90 and -180 <= m.get("longitude", 999) <= 180):
        out.append(": latitude/longitude out of range")
    return out


_KIND_PROBLEMS = {"text": _text_problems, "flex": _flex_problems, "location": _location_problems}


def _action_problems(action: dict) -> list[str]:
    label = action.get("label") or ""
    out = [] if label and len(label) <= 20 else [f": action label {label!r} must be 1..20 characters"]
    if action.get("type") == "postback":
        if len(action.get("data") or "") > 300 or len(action.get("displayText") or "") > 300:
            out.append(": postback data/displayText at most 300 characters")
    elif action.get("type") == "uri":
        uri = action.get("uri") or ""
        if not uri.startswith(URI_SCHEMES) or len(uri) > 1000:
            out.append(f": uri {uri[:40]!r} must be http(s)/tel/line and ≤1000 characters")
    return out


def _message_problems(m: dict) -> list[str]:
    check = _KIND_PROBLEMS.get(m.get("type"))
    out = check(m) if check else [f".type: {m.get('type')!r} is not one the fake knows"]
    if len((m.get("quickReply") or {}).get("items", [])) > 13:
        out.append(".quickReply.items: at most 13")
    return out + [problem for action in _actions(m) for problem in _action_problems(action)]


def problems(messages: Any, max_messages: int = 5) -> list[str]:
    """What LINE would refuse in a list of message objects."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= max_messages:
        return [f"messages must be a list of 1..{max_messages}"]
    return [f"messages[{n}]{problem}" for n, m in enumerate(messages) for problem in _message_problems(m)]


def visible(messages: list[dict]) -> str:
    """Everything a resident sees in LINE message objects: texts, alt texts, button labels
    (and the full label sent as displayText), link targets, location titles and addresses."""
    parts = []
    for m in messages:
        if m.get("type") == "text":
            parts.append(m["text"])
        elif m.get("type") == "flex":
            parts.append(m.get("altText", ""))
        elif m.get("type") == "location":
            parts += [m.get("title", ""), m.get("address", "")]
        for action in _actions(m):
            parts.append(action.get("label", ""))
            if action.get("displayText"):
                parts.append(action["displayText"])
            if action.get("uri"):
                parts.append(action["uri"])
    return "\n".join(parts)


class FakeLineApi:
    def __init__(self, access_token: str = ACCESS_TOKEN, quota: int | None = None, used: int = 0):
        self.access_token = access_token
        self.quota = quota
        self.used = used
        self.calls: list[Call] = []
        self.expired: set[str] = set()
        self.used_tokens: set[str] = set()
        self.accepted_keys: dict[str, str] = {}
        self._scripted: dict[str, deque] = defaultdict(deque)
        self._slow: dict[str, deque] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- control ----------------------------------------------------------------------

    def fail(
        self, endpoint: str, status: int, message: str | None = None, times: int = 1, headers: dict | None = None
    ) -> None:
        """The next ``times`` calls to ``endpoint`` answer ``status`` (before anything else)."""
        body = {"message": message or {400: "Bad request", 429: "Too Many Requests"}.get(status, "Internal error")}
        for _ in range(times):
            self._scripted[endpoint].append((status, body, headers or {}))

    def slow(self, endpoint: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls to ``endpoint`` take ``seconds`` before they are handled."""
        for _ in range(times):
            self._slow[endpoint].append(seconds)

    def expire(self, *tokens: str) -> None:
        self.expired.update(tokens)

    def to(self, endpoint: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.endpoint == endpoint and (c.status == 200 or not ok_only)]

    def reply_to(self, token: str) -> Call | None:
        return next((c for c in self.to("reply") if c.body.get("replyToken") == token), None)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked on every recorded call); its value."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def reply_for(self, token: str, timeout: float = 10.0) -> Call:
        return await self.wait_for(lambda: self.reply_to(token), timeout)

    # -- server -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeLineApi:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLineApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def stats(self) -> dict:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for call in self.calls:
            counts[call.endpoint][str(call.status)] += 1
        return {
            "calls": counts,
            "used": self.used,
            "accepted_keys": len(self.accepted_keys),
            "recipients": sum(len(c.body["to"]) for c in self.to("multicast")),
        }

    async def _control(self, request: web.Request) -> web.Response:
        if request.path == "/_fake/stats":
            return web.json_response(self.stats())
        if request.path == "/_fake/echo":  # a trivial handler: the benchmark's floor
            await request.read()
            return web.Response(text="OK")
        if request.path == "/_fake/fail" and request.method == "POST":
            order = await request.json()
            self.fail(order["endpoint"], int(order["status"]), order.get("message"), int(order.get("times", 1)))
            return web.json_response({})
        if request.path == "/_fake/reset" and request.method == "POST":
            self.calls.clear()
            self.accepted_keys.clear()
            self.used = 0
            return web.json_response({})
        return web.json_response({"message": "Not found"}, status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.path.startswith("/_fake/"):
            return await self._control(request)
        endpoint = ENDPOINTS.get((request.method, request.path), "unknown")
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        if self._slow[endpoint]:
            await asyncio.sleep(self._slow[endpoint].popleft())
        status, answer, headers = self._answer(endpoint, request, body)
        headers_seen = dict(request.headers)
        self.calls.append(Call(endpoint, request.method, request.path, headers_seen, body, status, time.time()))
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(answer, status=status, headers=headers)

    def _answer(self, endpoint: str, request: web.Request, body: Any) -> tuple[int, dict, dict]:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            message = "Authentication failed. Confirm that the access token in the authorization header is valid."
            return 401, {"message": message}, {}
        if self._scripted[endpoint]:
            return self._scripted[endpoint].popleft()
        if endpoint == "quota":
            return 200, ({"type": "none"} if self.quota is None else {"type": "limited", "value": self.quota}), {}
        if endpoint == "consumption":
            return 200, {"totalUsage": self.used}, {}
        if endpoint == "unknown":
            return 404, {"message": "Not found"}, {}
        if not isinstance(body, dict):
            return 400, {"message": "The request body is not JSON"}, {}
        wrong = self._wrong(endpoint, body)
        if wrong:
            details = [{"message": w, "property": "messages"} for w in wrong]
            return 400, {"message": f"The request body has {len(wrong)} error(s)", "details": details}, {}
        if endpoint == "reply":
            return self._reply(body)
        return self._push_or_multicast(endpoint, request, body)

    @staticmethod
    def _wrong(endpoint: str, body: dict) -> list[str]:
        """What LINE would refuse in a send's body."""
        wrong = problems(body.get("messages"))
        if endpoint == "multicast":
            to = body.get("to")
            if not isinstance(to, list) or not 1 <= len(to) <= 500:
                wrong.append("to: 1..500 user IDs")
        return wrong

    def _reply(self, body: dict) -> tuple[int, dict, dict]:
        token = body.get("replyToken")
        if not token or token in self.used_tokens or token in self.expired:
            return 400, {"message": "Invalid reply token"}, {}
        self.used_tokens.add(token)
        return 200, {"sentMessages": self._sent(body)}, {}

    def _push_or_multicast(self, endpoint: str, request: web.Request, body: dict) -> tuple[int, dict, dict]:
        """A push or multicast: its retry key checked and remembered, the monthly quota counted."""
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return 400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"}, {}
            if key in self.accepted_keys:
                accepted = {"x-line-accepted-request-id": self.accepted_keys[key]}
                return 409, {"message": "The retry key is already accepted"}, accepted
        recipients = 1 if endpoint == "push" else len(body["to"])
        if self.quota is not None and self.used + recipients > self.quota:
            return 429, {"message": "You have reached your monthly limit."}, {}
        self.used += recipients
        if key is not None:
            self.accepted_keys[key] = str(uuid.uuid4())
        return 200, ({"sentMessages": self._sent(body)} if endpoint == "push" else {}), {}

    def _sent(self, body: dict) -> list[dict]:
        return [{"id": str(next(self._ids)), "quoteToken": uuid.uuid4().hex} for _ in body.get("messages", [])]


# -- what LINE sends: webhook events and signed bodies --------------------------------

_event_numbers = itertools.count(1)


def user_id(name: str) -> str:
    """A LINE-shaped user ID ("U" + 32 hex digits) for a test name."""
    return "U" + hashlib.md5(name.encode("utf-8")).hexdigest()


def event(
    kind: str,
    user: str,
    *,
    event_id: str | None = None,
    reply_token: str | None | bool = True,
    redelivery: bool = False,
    source: dict | None = None,
    **fields: Any,
) -> dict:
    """One webhook event as LINE sends it; ``user`` is a LINE user ID. A reply token and a
    webhookEventId are made up unless given (``reply_token=None`` for none)."""
    n = next(_event_numbers)
    out = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764115200000 + n,
        "source": source or {"type": "user", "userId": user},
        "webhookEventId": event_id or f"01JEVENT{n:018d}",
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply_token is True:
        out["replyToken"] = f"reply-token-{n}-{uuid.uuid4().hex[:8]}"
    elif reply_token:
        out["replyToken"] = reply_token
    out.update(fields)
    return out


def _message(content: dict) -> dict:
    n = next(_event_numbers)
    return {"id": str(500000000000000000 + n), "quoteToken": f"quote-{n}", **content}


def text(user: str, said: str, emojis: list[dict] | None = None, **kw: Any) -> dict:
    content = {"type": "text", "text": said}
    if emojis:
        content["emojis"] = emojis
    return event("message", user, message=_message(content), **kw)


def location(user: str, lat: float, lon: float, **kw: Any) -> dict:
    content = {"type": "location", "title": "", "address": "山口県", "latitude": lat, "longitude": lon}
    content = {k: v for k, v in content.items() if v != ""}
    return event("message", user, message={"id": str(next(_event_numbers)), **content}, **kw)


def postback(user: str, data: str, **kw: Any) -> dict:
    return event("postback", user, postback={"data": data}, **kw)


def follow(user: str, unblocked: bool = False, **kw: Any) -> dict:
    return event("follow", user, follow={"isUnblocked": unblocked}, **kw)


def unfollow(user: str, **kw: Any) -> dict:
    return event("unfollow", user, reply_token=None, **kw)


def sticker(user: str, **kw: Any) -> dict:
    content = {
        "type": "sticker",
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "STATIC",
        "keywords": ["happy"],
    }
    return event("message", user, message=_message(content), **kw)


def media(user: str, kind: str, **kw: Any) -> dict:
    """An image, video, audio or file message."""
    content: dict = {"type": kind, "contentProvider": {"type": "line"}}
    if kind == "file":
        content = {"type": "file", "fileName": "memo.pdf", "fileSize": 2048}
    if kind in ("audio", "video"):
        content["duration"] = 3000
    if kind in ("image", "video"):  # LINE gives these a quote token, as it does text and stickers
        return event("message", user, message=_message(content), **kw)
    return event("message", user, message={"id": str(next(_event_numbers)), **content}, **kw)


def body(*events: dict, destination: str = "U0000000000000000000000000000bot0") -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode("utf-8")


# A real ``madoguchi line`` process on a free loopback port (it prints the URL it listens on).
LINE_COMMAND = (sys.executable, "-m", "bot", "line", "--port", "0")


def process_env(api_url: str, secret: str, access_token: str = ACCESS_TOKEN, **more: str) -> dict:
    """The environment of a real ``madoguchi line`` process answering through the fake at ``api_url``."""
    return {
        **os.environ,
        **more,
        "LINE_CHANNEL_SECRET": secret,
        "LINE_CHANNEL_ACCESS_TOKEN": access_token,
        "LINE_API_BASE_URL": api_url,
    }


def signature(raw: bytes, secret: str) -> str:
    """What LINE puts in x-line-signature (computed here independently of the bot's code)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).digest()).decode("ascii")


async def _main() -> None:
    parser = argparse.ArgumentParser(description="a fake LINE Messaging API on loopback")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", type=int, default=None)
    parser.add_argument("--token", default=ACCESS_TOKEN)
    args = parser.parse_args()
    fake = await FakeLineApi(access_token=args.token, quota=args.quota).start(port=args.port)
    print(fake.url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.close()


if __name__ == "__main__":
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        pass
