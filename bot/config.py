"""Where the bot's files are: knowledge directory, shop listing, database.

Each default can be overridden by an environment variable (``MADOGUCHI_KNOWLEDGE``,
``MADOGUCHI_SHOPS``, ``MADOGUCHI_DB``) or a command-line option. Reads the
environment only.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = "Asia/Tokyo"


def knowledge_dir() -> Path:
    return Path(os.environ.get("MADOGUCHI_KNOWLEDGE") or ROOT / "knowledge")


def shops_file() -> Path:
    return Path(os.environ.get("MADOGUCHI_SHOPS") or ROOT / "shops.yaml")


def db_path() -> str:
    return os.environ.get("MADOGUCHI_DB") or "madoguchi.db"
