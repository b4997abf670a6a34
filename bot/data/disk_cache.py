"""Caches on disk of what is slow to make and quick to read back: parsed YAML, the analyses of
the knowledge's texts, the built understanding. Each is a ``marshal`` file named by a digest of what it
was made from, so an edit, an upgrade or a change of the code that makes it names another file.

Lives here: where the caches live (``MADOGUCHI_CACHE``, ``off`` for nowhere), and reading and
writing one. A cache that cannot be read is no cache (None), one that cannot be written is not
written: the caller makes the thing again. Writes are atomic (a temporary file, then rename), so
two processes starting together never read half a file. Touches only that directory.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def cache_dir() -> Path | None:
    """Where caches live (``MADOGUCHI_CACHE``; ``off``: nowhere; default ``~/.cache/madoguchi``)."""
    value = os.environ.get("MADOGUCHI_CACHE")
    if value == "off":
        return None
    return Path(value) if value else Path.home() / ".cache" / "madoguchi"


def cache_file(kind: str, parts: Iterable[bytes]) -> Path | None:
    """The file for a ``kind`` of cache made from ``parts`` (the bytes it depends on), or None
    when caching is off."""
    directory = cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little") + part)
    return directory / f"{kind}-{digest.hexdigest()[:32]}.marshal"


def sources(*packages: Path) -> list[bytes]:
    """The source of every module in the folders of the code that makes a cache, so a change of
    that code makes it anew."""
    return [path.name.encode() + path.read_bytes() for folder in packages for path in sorted(folder.glob("*.py"))]


def read(path: Path | None) -> Any | None:
    """What ``path`` holds, or None when there is none or it cannot be read."""
    if path is None:
        return None
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write(path: Path | None, data: Any) -> None:
    """Keep ``data`` in ``path``; not kept when it cannot be (read-only home, data marshal cannot hold)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass
