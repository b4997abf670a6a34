"""What every staff command shares: the acting identity, the staff file, the data, exit codes.

Lives here: ``staff_options`` (the ``--as`` and ``--staff`` options), ``identity``
(``--as tanaka`` or ``$MADOGUCHI_STAFF_ID`` → ``cli:tanaka``; a command line can only
act as a ``cli:`` identity, never as a Telegram or LINE one), ``StaffContext`` (the stores
of the open database, knowledge, staff directory and ``StaffGuard``) and ``run_staff`` (runs a
command's coroutine and turns the known failures into a message and an exit code).

Exit codes: 0 done; 1 the data or the outcome is not right (errors in a file, failed
deliveries, nothing to do); 2 usage or configuration (no identity, unreadable file,
database); 3 not permitted. A refusal is always in the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import config
from bot.store.backend import database_errors, shown

if TYPE_CHECKING:  # loaded when a staff command runs, so ``madoguchi chat`` starts without them
    from bot.data.knowledge import Knowledge
    from bot.staff.guard import StaffGuard
    from bot.staff.roles import StaffDirectory
    from bot.store.bundle import Stores

OK, BAD, USAGE, DENIED = 0, 1, 2, 3
IDENTITY_ENV = "MADOGUCHI_STAFF_ID"
STAFF_ENV = "MADOGUCHI_STAFF"


class UsageError(Exception):
    """A command that cannot run as given (the message says what to do)."""


def staff_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help=f"who is acting: the cli:NAME of the staff file (default: ${IDENTITY_ENV})",
    )
    parent.add_argument(
        "--staff",
        dest="staff_file",
        metavar="FILE",
        help=f"staff roles file (default: ${STAFF_ENV}; none: nobody is staff)",
    )
    return parent


def identity(args: argparse.Namespace) -> str:
    raw = (getattr(args, "as_name", None) or os.environ.get(IDENTITY_ENV) or "").strip()
    if not raw:
        raise UsageError(f"担当者名を --as NAME か ${IDENTITY_ENV} で指定してください / name yourself with --as NAME")
    prefix, sep, rest = raw.partition(":")
    if sep and prefix != "cli":
        raise UsageError(f"コマンドラインからは cli: の担当者としてだけ操作できます: {raw!r}")
    name = rest if sep else raw
    if not name or any(c.isspace() for c in name):
        raise UsageError(f"担当者名が正しくありません: {raw!r}")
    return f"cli:{name}"


def staff_file(args: argparse.Namespace) -> str | None:
    return getattr(args, "staff_file", None) or os.environ.get(STAFF_ENV) or None


@dataclass
class StaffContext:
    stores: Stores
    knowledge: Knowledge
    staff: StaffDirectory
    guard: StaffGuard
    actor: str

    async def close(self) -> None:
        await self.stores.db.close()


async def open_context(args: argparse.Namespace, need_identity: bool = True) -> StaffContext:
    from bot.data.knowledge import load_knowledge
    from bot.staff.guard import StaffGuard
    from bot.staff.roles import StaffDirectory
    from bot.store.backend import open_database
    from bot.store.bundle import Stores

    actor = identity(args) if need_identity else ""
    path = staff_file(args)
    if path and not os.path.exists(path):
        raise UsageError(f"担当者ファイルがありません: {path}")
    staff = StaffDirectory.load(path)
    knowledge = load_knowledge(args.knowledge or config.knowledge_dir())
    stores = Stores.over(await open_database(args.db or config.db_path()).open())
    return StaffContext(stores, knowledge, staff, StaffGuard(staff, stores.audit), actor)


def run_staff(main: Callable[[], Awaitable[int]], args: argparse.Namespace) -> int:
    """Run a staff command; known failures become a message on stderr and an exit code."""
    from bot.data.yaml_lines import DataError
    from bot.staff.guard import NotPermitted

    try:
        return asyncio.run(main())
    except NotPermitted as exc:
        hint = "" if staff_file(args) else f"（担当者ファイルが指定されていません: --staff か ${STAFF_ENV}）"
        sys.stderr.write(f"権限がありません / not permitted: {exc}{hint}\n")
        return DENIED
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return USAGE
    except DataError as exc:
        sys.stderr.write("データに誤りがあります / invalid data:\n")
        for problem in exc.problems:
            sys.stderr.write(f"  {problem}\n")
        return USAGE
    except database_errors() as exc:
        sys.stderr.write(f"データベースを使えません / database error {shown(args.db or config.db_path())}: {exc}\n")
        return USAGE
    except KeyboardInterrupt:
        return BAD
