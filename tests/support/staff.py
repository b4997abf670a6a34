"""Staff fixtures shared by the staff-side tests: a staff file with one member of each role,
subscribing residents, and running ``madoguchi`` in process with its output captured.

Lives here: ``STAFF_YAML`` (admin ``cli:admin``, municipal ``cli:ube`` for 宇部市 and
``cli:yamaguchi`` for 山口市, support ``cli:support``, and ``telegram:900`` as a support
member on a channel), ``write_staff``, ``subscribe`` and ``run_cli``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from bot.cli import main
from bot.store.residents import ResidentStore

STAFF_YAML = """\
staff:
  - {id: "cli:admin", name: 県 デジタル推進課, role: admin}
  - {id: "cli:ube", name: 宇部市 デジタル推進担当, role: municipal, municipalities: [宇部市]}
  - {id: "cli:yamaguchi", name: 山口市 デジタル推進担当, role: municipal, municipalities: [山口市]}
  - {id: "cli:support", name: サポート担当, role: support}
  - {id: "telegram:900", name: サポート担当（Telegram）, role: support}
"""


def write_staff(directory: Path) -> Path:
    path = directory / "staff.yaml"
    path.write_text(STAFF_YAML, encoding="utf-8")
    return path


async def subscribe(db, municipality: str, keys: list[str]) -> None:
    residents = ResidentStore(db)
    for key in keys:
        await residents.subscribe(key, municipality)


class _Bytes(io.StringIO):
    """A text stream with a ``buffer`` that collects bytes too (``classes export`` writes bytes)."""

    def __init__(self):
        super().__init__()
        self.buffer = io.BytesIO()


def run_cli(*argv: str) -> tuple[int, str, str, bytes]:
    """``madoguchi ARGV`` in process: exit status, stdout, stderr and stdout's bytes."""
    out, err = _Bytes(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue(), out.buffer.getvalue()
