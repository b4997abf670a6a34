"""``madoguchi db migrate`` and ``madoguchi db copy SQLITE_FILE POSTGRES_URL``: the database itself.

Lives here: ``add_parser`` and ``run``. ``migrate`` brings the database of ``--db`` (a SQLite
file or a ``postgresql://`` URL) up to the current schema and says which engine and version it
is at (every process also migrates when it opens the database, under a lock on PostgreSQL, so
this is for doing it before a rollout). ``copy`` moves a prefecture's data from a SQLite file
into an empty PostgreSQL database, every row, in one transaction (``bot.store.copying``), and
prints the rows per table. These are the operator's commands: whoever holds the database's
file or credentials can already read and change everything in it, so no staff role is asked
for. A password in a URL is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.commands.common import BAD, OK, USAGE
from bot.store.backend import database_errors, is_postgres, shown

COMMAND = "db"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(COMMAND, parents=[common], help="the database: migrate, copy SQLite to PostgreSQL")
    sub = parser.add_subparsers(dest="db_command", required=True)
    sub.add_parser("migrate", parents=[common], help="bring the --db database up to the current schema")
    copy = sub.add_parser(
        "copy", parents=[common], help="copy every row of a SQLite file into an empty PostgreSQL database"
    )
    copy.add_argument("source", metavar="SQLITE_FILE")
    copy.add_argument("target", metavar="POSTGRES_URL")
    return parser


def run(args: argparse.Namespace) -> int:
    from bot.store.copying import CopyRefused

    try:
        return asyncio.run(_copy(args) if args.db_command == "copy" else _migrate(args))
    except CopyRefused as exc:
        sys.stderr.write(f"コピーしませんでした / not copied: {exc}\n")
        return BAD
    except database_errors() as exc:
        sys.stderr.write(f"データベースを使えません / database error: {exc}\n")
        return USAGE


async def _migrate(args: argparse.Namespace) -> int:
    from bot import config
    from bot.store.backend import open_database
    from bot.store.database import MIGRATIONS

    target = args.db or config.db_path()
    async with open_database(target) as db:
        print(f"{shown(target)}: {db.kind}, schema version {len(MIGRATIONS)} (up to date)")
    return OK


async def _copy(args: argparse.Namespace) -> int:
    import os

    from bot.store.copying import copy_database

    if not is_postgres(args.target) or is_postgres(args.source):
        sys.stderr.write("使い方 / usage: madoguchi db copy SQLITE_FILE postgresql://…\n")
        return USAGE
    if not os.path.exists(args.source):
        sys.stderr.write(f"ファイルがありません / no such file: {args.source}\n")
        return USAGE
    copied = await copy_database(args.source, args.target)
    for c in copied:
        print(f"{c.table}: {c.rows}")
    print(
        f"{args.source} → {shown(args.target)}: {sum(c.rows for c in copied)} rows in {len(copied)} tables, all copied"
    )
    return OK
