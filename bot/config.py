"""Where the bot's files are: knowledge directory, shop listing, database.

Each default can be overridden by an environment variable (``MADOGUCHI_KNOWLEDGE``,
``MADOGUCHI_SHOPS``, ``MADOGUCHI_DB``) or a command-line option; how long each kind of
record is kept by ``MADOGUCHI_KEEP_<KIND>_DAYS`` (``retention_days``). Reads the
environment only.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Tokyo"


KNOWLEDGE_ENV = "MADOGUCHI_KNOWLEDGE"


def knowledge_dir() -> Path:
    return Path(os.environ.get(KNOWLEDGE_ENV) or ROOT / "knowledge")


def shops_file() -> Path:
    return Path(os.environ.get("MADOGUCHI_SHOPS") or ROOT / "shops.yaml")


def db_path() -> str:
    return os.environ.get("MADOGUCHI_DB") or "madoguchi.db"


RETENTION_ENV = {
    "conversations": "MADOGUCHI_KEEP_CONVERSATION_DAYS",
    "unanswered": "MADOGUCHI_KEEP_UNANSWERED_DAYS",
    "deliveries": "MADOGUCHI_KEEP_DELIVERY_DAYS",
    "audit": "MADOGUCHI_KEEP_AUDIT_DAYS",
}


class BadSetting(ValueError):
    """An environment setting that cannot be used (the message names it)."""


def retention_days() -> dict[str, int]:
    """The days set in the environment for each kind of record (kinds not set are left out)."""
    days = {}
    for kind, name in RETENTION_ENV.items():
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 36_500:
            raise BadSetting(f"{name} must be a number of days from 1 to 36500, not {raw!r}")
        days[kind] = int(raw)
    return days
