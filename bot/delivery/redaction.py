"""Keeping every channel's secrets (bot token, webhook secret, LINE channel secret and
access token) out of logs and error messages: one redaction for all channels.

Lives here: ``redact`` (a text with every registered secret replaced by ``[REDACTED]``),
``register`` and ``protect_logs``. ``protect_logs`` installs a log-record factory that
scrubs every record's message, arguments and traceback *when the record is made*, so no
handler — a file, the console, a test's ``caplog`` — ever sees a secret. It matters:
httpx logs every request URL at INFO, and the Bot API URL contains the token
(``…/bot<token>/sendMessage``); network errors may quote it too.
Touches only the ``logging`` module's record factory.
"""

from __future__ import annotations

import logging
import traceback
from urllib.parse import quote

MARK = "[REDACTED]"
_secrets: set[str] = set()
_installed: list = []  # [previous factory] while our factory is installed


def register(*secrets: str | None) -> None:
    """Remember secrets to scrub (in plain and URL-encoded form)."""
    for secret in secrets:
        if secret and len(secret) >= 6:  # too short a "secret" would scrub ordinary words
            _secrets.add(secret)
            _secrets.add(quote(secret, safe=""))


def forget(*secrets: str | None) -> None:
    for secret in secrets:
        if secret:
            _secrets.discard(secret)
            _secrets.discard(quote(secret, safe=""))


def redact(text: object) -> str:
    """``str(text)`` with every registered secret replaced."""
    out = str(text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, MARK)
    return out


def _contains_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report
        return record
    if _contains_secret(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if _contains_secret(rendered):
            # The formatter uses exc_text when it is set; dropping exc_info keeps any other
            # consumer from rendering the original.
            record.exc_text, record.exc_info = redact(rendered), None
    elif record.exc_text and _contains_secret(record.exc_text):
        record.exc_text = redact(record.exc_text)
    if record.stack_info and _contains_secret(record.stack_info):
        record.stack_info = redact(record.stack_info)
    return record


def protect_logs(*secrets: str | None) -> None:
    """Register ``secrets`` and make sure every log record is scrubbed of them."""
    register(*secrets)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _scrub(previous(*args, **kwargs))

    _installed.append(previous)
    logging.setLogRecordFactory(factory)


def unprotect_logs(*secrets: str | None) -> None:
    """Forget ``secrets``; remove the factory when no secret is left (tests use this)."""
    forget(*secrets)
    if _installed and not _secrets:
        logging.setLogRecordFactory(_installed.pop())
