"""The LINE channel's settings, read from the environment.

Lives here: ``LineConfig`` (channel secret, access token, API base URL, whether
the push fallback is on) and ``MissingSetting``. Reads ``os.environ`` (or the
mapping it is given) and nothing else. The secret and the token are kept out of
``repr`` and every message, so they cannot reach a log by accident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_API_BASE_URL = "https://api.line.me"
SECRET_ENV = "LINE_CHANNEL_SECRET"
TOKEN_ENV = "LINE_CHANNEL_ACCESS_TOKEN"
API_ENV = "LINE_API_BASE_URL"
PUSH_ENV = "LINE_PUSH_FALLBACK"
_TRUE = {"1", "true", "yes", "on"}


class MissingSetting(ValueError):
    """A required environment variable is not set (the message names it, never a value)."""


@dataclass(frozen=True)
class LineConfig:
    channel_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    push_fallback: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, push_fallback: bool | None = None) -> LineConfig:
        env = os.environ if env is None else env
        missing = [name for name in (SECRET_ENV, TOKEN_ENV) if not (env.get(name) or "").strip()]
        if missing:
            raise MissingSetting(
                " / ".join(missing) + " が設定されていません / not set in the environment (see docs/line.md)"
            )
        base = (env.get(API_ENV) or "").strip() or DEFAULT_API_BASE_URL
        if not base.startswith(("http://", "https://")):
            raise MissingSetting(f"{API_ENV} must be an http(s) URL")
        if push_fallback is None:
            push_fallback = (env.get(PUSH_ENV) or "").strip().lower() in _TRUE
        return cls(
            channel_secret=env[SECRET_ENV].strip(),
            access_token=env[TOKEN_ENV].strip(),
            api_base_url=base.rstrip("/"),
            push_fallback=push_fallback,
        )
