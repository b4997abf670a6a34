"""LINE delivery for the broadcast engine (``bot.broadcast``; found through the channel
registry): ``LineSender`` and ``make_sender(options)``.

Up to 500 user IDs a multicast call, at most 150 calls a second (LINE allows 200), four in
flight; the engine paces and retries, so each call is tried once. Every call carries an
``X-Line-Retry-Key`` derived from the engine's batch key, so a resend gets 409 instead of a
second delivery. Results: SENT on 200 and 409; RETRY on 429, 5xx, timeouts; FAILED on 400,
other refusals and the 429 of a spent monthly quota. ``preflight`` warns when this month's
quota cannot hold a broadcast. The token never reaches a log. Touches the LINE API only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, MulticastRequest, TextMessage

from bot.broadcast.sender import Result
from bot.broadcast.senders import SenderUnavailable
from bot.broadcast.shortfall import Shortfall
from bot.channels.line.config import LineConfig, MissingSetting
from bot.channels.line.delivery import DEFAULT_TIMEOUT, already_accepted
from bot.channels.line.events import CHANNEL
from bot.channels.line.quota import Quota, read_quota
from bot.channels.line.render import MAX_MESSAGES, MAX_TEXT
from bot.channels.line.retry import describe, retry_after, retryable, status_of
from bot.delivery.backoff import Backoff
from bot.delivery.keys import retry_key
from bot.delivery.redaction import protect_logs
from bot.delivery.text import split_text
from bot.messages import platform_id

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 500  # user IDs per multicast call
MULTICAST_RPS = 150.0  # LINE allows 200 multicast requests a second; stay below it
CONCURRENCY = 4


class LineSender:
    channel = CHANNEL
    max_batch = MAX_RECIPIENTS
    per_recipient_interval: float | None = None
    concurrency = CONCURRENCY

    def __init__(
        self,
        api: AsyncMessagingApi,
        client: AsyncApiClient | None = None,
        rate_per_s: float = MULTICAST_RPS,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: Backoff | None = None,
    ):
        self.api = api
        self.client = client  # closed by ``close`` when this sender made it
        self.rate_per_s = min(rate_per_s, MULTICAST_RPS)
        self.timeout = timeout
        # Only for the quota look-ups of ``preflight``; multicasts are retried by the engine.
        self.backoff = backoff or Backoff(attempts=3, base=0.5, cap=20.0, jitter=0.2)

    async def send(self, user_keys: list[str], text: str, *, key: str) -> Mapping[str, Result]:
        answer: dict[str, Result] = {}
        ids: dict[str, list[str]] = {}  # LINE user ID → the user keys naming it
        for user_key in user_keys:
            user_id = platform_id(user_key, CHANNEL)
            if not user_id:
                answer[user_key] = Result.failed(f"not a LINE user: {user_key}")
            else:
                ids.setdefault(user_id, []).append(user_key)
        if not ids:
            return answer
        messages = [TextMessage(text=part) for part in split_text(text, MAX_TEXT, parts=MAX_MESSAGES) or [text]]
        unique = list(ids)
        batches = [unique[i : i + MAX_RECIPIENTS] for i in range(0, len(unique), MAX_RECIPIENTS)]
        for number, batch in enumerate(batches):
            # One batch (the engine's usual call) is keyed by ``key`` alone; more are numbered.
            parts = ("broadcast", key) if len(batches) == 1 else ("broadcast", key, str(number))
            result = await self._multicast(batch, messages, retry_key(*parts))
            for user_id in batch:
                for user_key in ids[user_id]:
                    answer[user_key] = result
        return answer

    async def _multicast(self, user_ids: list[str], messages: list[TextMessage], key: str) -> Result:
        request = MulticastRequest(to=user_ids, messages=messages)
        try:
            await self.api.multicast(request, x_line_retry_key=key, _request_timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - sorted below
            if already_accepted(exc):
                return Result.sent()  # 409: LINE accepted this batch before; nothing sent twice
            reason = describe(exc)
            if retryable(exc):
                return Result.retry(reason, retry_after=retry_after(exc))
            if status_of(exc) is not None:
                log.error("LINE refused a broadcast multicast of %d: %s", len(user_ids), reason)
                return Result.failed(reason)
            return Result.retry(reason)  # not an answer from LINE: worth another try
        return Result.sent()

    async def quota(self) -> Quota:
        """This month's message quota (the staff console shows it)."""
        return await read_quota(self.api, self.backoff, self.timeout)

    async def preflight(self, count: int) -> Shortfall | None:
        """What keeps ``count`` recipients from fitting in this month's quota; None when they fit."""
        try:
            quota = await self.quota()
        except Exception as exc:  # noqa: BLE001
            return Shortfall(count, unchecked=describe(exc))
        if quota.remaining is None or count <= quota.remaining:
            return None
        return Shortfall(count, quota.remaining, quota.limit, quota.used)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None


def sender_for(config: LineConfig, rate_per_s: float = MULTICAST_RPS, **kw: Any) -> LineSender:
    """A sender with its own API client (call inside the running loop; ``close`` it)."""
    protect_logs(config.channel_secret, config.access_token)
    client = AsyncApiClient(Configuration(host=config.api_base_url, access_token=config.access_token))
    return LineSender(AsyncMessagingApi(client), client, rate_per_s=rate_per_s, **kw)


async def make_sender(options: Any, env: Mapping[str, str] | None = None) -> LineSender:
    try:
        config = LineConfig.from_env(env)
    except MissingSetting as exc:  # names the variable, never a value
        raise SenderUnavailable(str(exc)) from None
    rate = float(getattr(options, "rate", None) or MULTICAST_RPS)
    return sender_for(config, rate_per_s=rate)
