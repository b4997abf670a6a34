"""Editing a copy of the bundled knowledge/ to break it or extend it: ``copy_knowledge`` and
``edit_line`` (shared by the tests of the knowledge files)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot import config


def copy_knowledge(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge/ under ``tmp_path``."""
    target = tmp_path / "knowledge"
    shutil.copytree(config.knowledge_dir(), target)
    return target


def edit_line(path: Path, starts_with: str, new_line: str) -> int:
    """Replace the one line starting with ``starts_with``; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.startswith(starts_with)]
    assert len(hits) == 1, f"{starts_with!r}: {len(hits)} lines"
    lines[hits[0]] = new_line
    path.write_text("".join(lines), encoding="utf-8")
    return hits[0] + 1
