"""The Telegram channel's settings, from the environment and the command line.

Lives here: ``Limits``, ``TelegramSettings``, ``credentials`` and ``load_settings``. The
token comes only from ``TELEGRAM_BOT_TOKEN`` (never quoted in an error, kept out of ``repr``);
``TELEGRAM_API_BASE_URL`` points at a self-hosted Bot API or a double; webhook mode is on
with ``--webhook-url``, its secret ``TELEGRAM_WEBHOOK_SECRET`` or a fresh random one.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot import config

DEFAULT_API = "https://api.telegram.org"
_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token


class SettingsError(ValueError):
    """A setting that prevents the bot from starting (the message never contains the token)."""


@dataclass(frozen=True)
class Limits:
    """Telegram's limits as this bot keeps them (all configurable for tests and benchmarks)."""

    # None lifts a limit (benchmarks on the fake network measure the pipeline itself).
    overall_per_second: int | None = 30  # every message to any chat, in any one-second window
    broadcast_per_second: int | None = 25  # a broadcast's share, so residents' replies keep room
    chat_per_second: float | None = 1.0  # per private chat, on average...
    chat_burst: int = 3  # ...with a short burst (one answer can be a few bubbles)
    group_per_minute: int | None = 20  # per group chat
    flood_messages: int | None = 20  # a resident sending more than this...
    flood_seconds: float = 10.0  # ...within this many seconds gets one notice, then silence
    max_retries: int = 4  # RetryAfter / TimedOut / NetworkError retries per API call
    backoff_seconds: float = 0.5  # first retry delay after a network error, doubled each time
    max_backoff_seconds: float = 8.0
    max_retry_after: float = 120.0  # a longer RetryAfter is not waited out inside one call


@dataclass(frozen=True)
class TelegramSettings:
    token: str = field(repr=False)
    api_base_url: str = DEFAULT_API
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8080
    webhook_path: str = "/telegram"
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    staff_file: Path | None = None
    shops_file: Path = field(default_factory=config.shops_file)
    drop_pending_updates: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def bot_base_url(self) -> str:
        """PTB's ``base_url``: the token is appended to it."""
        return self.api_base_url + "/bot"

    @property
    def file_base_url(self) -> str:
        return self.api_base_url + "/file/bot"


def api_base_url(raw: str | None) -> str:
    url = (raw or DEFAULT_API).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"TELEGRAM_API_BASE_URL must be an http(s) URL, not {url!r}")
    if parts.query or parts.fragment:
        raise SettingsError("TELEGRAM_API_BASE_URL must not have a query or fragment")
    return url


def _webhook(raw: str | None, api: str) -> tuple[str | None, str | None]:
    if not raw:
        return None, None
    parts = urlsplit(raw.strip())
    if parts.scheme != "https" and api == DEFAULT_API:
        raise SettingsError("--webhook-url must be an https:// URL (Telegram only calls HTTPS webhooks)")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"--webhook-url must be an https:// URL, not {raw!r}")
    return raw.strip(), parts.path or "/"


def credentials(env: Mapping[str, str]) -> tuple[str, str]:
    """The bot token and the Bot API's base URL, from the environment (the bot and a
    ``madoguchi broadcast`` sender alike)."""
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token")
    if not _TOKEN.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)")
    return token, api_base_url(env.get("TELEGRAM_API_BASE_URL"))


def load_settings(args, env: Mapping[str, str] | None = None) -> TelegramSettings:
    """Settings from parsed options (``madoguchi telegram …``) and the environment."""
    env = os.environ if env is None else env
    token, api = credentials(env)
    webhook_url, url_path = _webhook(getattr(args, "webhook_url", None) or env.get("TELEGRAM_WEBHOOK_URL"), api)
    secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip() or secrets.token_urlsafe(32)
    if not _SECRET.match(secret):
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 characters)")
    path = getattr(args, "webhook_path", None) or url_path or "/telegram"
    if not path.startswith("/"):
        path = "/" + path
    port = getattr(args, "port", None)
    port = 8080 if port is None else port  # 0: any free port
    if not 0 <= port <= 65535:
        raise SettingsError(f"--port must be between 0 and 65535, not {port}")
    staff = getattr(args, "staff", None) or env.get("MADOGUCHI_STAFF")
    if staff and not Path(staff).exists():
        raise SettingsError(f"the staff file {staff} does not exist")
    return TelegramSettings(
        token=token,
        api_base_url=api,
        webhook_url=webhook_url,
        listen=getattr(args, "listen", None) or "127.0.0.1",
        port=port,
        webhook_path=path,
        webhook_secret=secret,
        staff_file=Path(staff) if staff else None,
        shops_file=Path(getattr(args, "shops", None) or config.shops_file()),
        drop_pending_updates=bool(getattr(args, "drop_pending_updates", False)),
    )
