"""Answering one resident: the reply token first, a push message only if enabled.

Lives here: ``Messenger`` (the outcome a ``Result``; how it went counted in ``counts``:
replied, pushed, not_sent, failed). A reply token is single-use and expires in about a
minute, so a reply is retried only briefly; when it is refused as invalid or keeps failing,
the answer is pushed if the push fallback is on (pushes count against the monthly quota). A
push carries an ``X-Line-Retry-Key`` (``bot.delivery.keys``) so its retries never deliver
twice (409: accepted before). Talks to the LINE API only.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter

from linebot.v3.messaging import AsyncMessagingApi, Message, PushMessageRequest, ReplyMessageRequest

from bot.channels.line.render import MAX_MESSAGES
from bot.channels.line.retry import LINE_BACKOFF, body_of, describe, retryable, status_of, with_retries
from bot.delivery.backoff import Backoff
from bot.delivery.keys import retry_key
from bot.delivery.outcome import Result

log = logging.getLogger(__name__)

INVALID_REPLY_TOKEN = "invalid reply token"
DEFAULT_TIMEOUT = 10.0  # seconds per API call
REPLY_BACKOFF = Backoff(attempts=3, base=0.3, cap=2.0)  # the token will not wait long


def invalid_reply_token(exc: BaseException) -> bool:
    if status_of(exc) != 400:
        return False
    return INVALID_REPLY_TOKEN in body_of(exc).lower()


def already_accepted(exc: BaseException) -> bool:
    """409: a request with this retry key was accepted before (nothing sent twice)."""
    return status_of(exc) == 409


class Messenger:
    def __init__(
        self,
        api: AsyncMessagingApi,
        push_fallback: bool = False,
        backoff: Backoff | None = None,
        reply_backoff: Backoff | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.api = api
        self.push_fallback = push_fallback
        self.backoff = backoff or LINE_BACKOFF
        self.reply_backoff = reply_backoff or REPLY_BACKOFF
        self.timeout = timeout
        self.counts: Counter[str] = Counter()

    def _counted(self, how: str, result: Result) -> Result:
        self.counts[how] += 1
        return result

    async def send(
        self, user_id: str, reply_token: str | None, messages: list[Message], key: str | None = None
    ) -> Result:
        """Deliver ``messages`` (at most 5) to the resident; ``key`` names the answer
        (the webhookEventId) so that a push retried is delivered once."""
        if not messages:
            return self._counted("not_sent", Result.not_sent("nothing to send"))
        if len(messages) > MAX_MESSAGES:
            log.warning("%d messages for one call; only %d are sent", len(messages), MAX_MESSAGES)
            messages = messages[:MAX_MESSAGES]
        reason = "no reply token"
        if reply_token:
            request = ReplyMessageRequest(reply_token=reply_token, messages=messages)
            try:
                await with_retries(
                    lambda: self.api.reply_message(request, _request_timeout=self.timeout),
                    self.reply_backoff,
                    "LINE reply",
                )
                return self._counted("replied", Result.sent())
            except Exception as exc:  # noqa: BLE001
                if not (invalid_reply_token(exc) or retryable(exc)):
                    log.error("LINE refused a reply: %s", describe(exc))
                    return self._counted("failed", Result.failed(describe(exc)))  # a push would be refused too
                reason = describe(exc)
        if not self.push_fallback:
            log.warning("answer not delivered (%s); the push fallback is off", reason)
            return self._counted("not_sent", Result.not_sent(reason))
        return await self.push(user_id, messages, retry_key("push", key or uuid.uuid4().hex))

    async def push(self, user_id: str, messages: list[Message], key: str) -> Result:
        request = PushMessageRequest(to=user_id, messages=messages[:MAX_MESSAGES])
        try:
            await with_retries(
                lambda: self.api.push_message(request, x_line_retry_key=key, _request_timeout=self.timeout),
                self.backoff,
                "LINE push",
            )
        except Exception as exc:  # noqa: BLE001
            if not already_accepted(exc):
                log.error("LINE push failed: %s", describe(exc))
                return self._counted("failed", Result.failed(describe(exc)))
        return self._counted("pushed", Result.sent())
