"""``madoguchi staff check|whoami|list|audit``: the staff file and the audit log.

Lives here: ``add_parser`` and ``run``. ``check [FILE]`` validates a staff file (file,
line and field on error; no identity needed); ``whoami`` says who ``--as`` is and what
they may do; ``list`` (admin) lists the members; ``audit`` (admin) shows the latest
audit log entries — who did what, when, on what, and how it ended; ``passwd MEMBER`` sets
a member's web console password (read from standard input when it is not a terminal),
stored as an Argon2 hash in the database, never in the staff file.
"""

from __future__ import annotations

import argparse
import os

from bot.commands.common import BAD, OK, UsageError, open_context, run_staff, staff_file, staff_options

COMMAND = "staff"


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(COMMAND, parents=[common], help="the staff file and the audit log")
    sub = parser.add_subparsers(dest="staff_command", required=True)
    staff = staff_options()
    check = sub.add_parser("check", parents=[common, staff], help="validate a staff file")
    check.add_argument("file", nargs="?", help="the file (default: --staff or $MADOGUCHI_STAFF)")
    sub.add_parser("whoami", parents=[common, staff], help="who you are and what you may do")
    sub.add_parser("list", parents=[common, staff], help="the staff members (admin)")
    audit = sub.add_parser("audit", parents=[common, staff], help="the latest audit log entries (admin)")
    audit.add_argument("--limit", type=int, default=50)
    passwd = sub.add_parser("passwd", parents=[common, staff], help="set a member's web console password")
    passwd.add_argument(
        "member", help="the member's id in the staff file (cli:NAME, telegram:ID, line:ID; NAME = cli:NAME)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.staff_command == "check":
        return _check(args)
    handlers = {"whoami": _whoami, "list": _list, "audit": _audit, "passwd": _passwd}
    return run_staff(lambda: handlers[args.staff_command](args), args)


def _check(args: argparse.Namespace) -> int:
    import sys

    from bot.data.yaml_lines import DataError
    from bot.staff.roles import StaffDirectory

    path = args.file or staff_file(args)
    if not path:
        sys.stderr.write("確かめるファイルを指定してください（madoguchi staff check staff.yaml）\n")
        return 2
    if not os.path.exists(path):
        sys.stderr.write(f"{path}: ファイルがありません\n")
        return BAD
    try:
        directory = StaffDirectory.load(path)
    except DataError as exc:
        sys.stderr.write("データに誤りがあります / invalid data:\n")
        for problem in exc.problems:
            sys.stderr.write(f"  {problem}\n")
        return BAD
    members = directory.members_with("stats")
    print(f"OK: {path}: {len(members)} members")
    return OK


async def _whoami(args: argparse.Namespace) -> int:
    from bot.staff.roles import ACTIONS

    ctx = await open_context(args)
    try:
        member = ctx.staff.member(ctx.actor)
        if member is None:
            print(f"{ctx.actor}: 担当者ファイルに登録されていません（{staff_file(args) or 'ファイル未指定'}）")
            return BAD
        cities = "、".join(member.municipalities) if member.role == "municipal" else "すべて"
        print(f"{ctx.actor}: {member.name}（{member.role}）")
        print(f"できること: {', '.join(sorted(ACTIONS[member.role]))}")
        print(f"担当の市町: {cities or 'なし'}")
        return OK
    finally:
        await ctx.close()


async def _list(args: argparse.Namespace) -> int:
    ctx = await open_context(args)
    try:
        await ctx.guard.require_admin(ctx.actor, "staff.list")
        for m in ctx.staff.members_with("stats"):
            cities = "、".join(m.municipalities) if m.role == "municipal" else "-"
            print(f"{m.id:<28} {m.role:<9} {m.name}  {cities}")
        await ctx.guard.record(ctx.actor, "staff.list", None, "ok")
        return OK
    finally:
        await ctx.close()


async def _audit(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit は 1 以上です")
    ctx = await open_context(args)
    try:
        await ctx.guard.require_admin(ctx.actor, "staff.audit")
        from bot.staff.words import tokyo_time

        for e in reversed(await ctx.guard.audit.entries(args.limit)):
            print(
                f"{tokyo_time(e['at'], seconds=True)}  {e['actor']:<22} {e['action']:<20} {e['target'] or '-'}  → {e['outcome']}"
            )
        await ctx.guard.record(ctx.actor, "staff.audit", None, "ok")
        return OK
    finally:
        await ctx.close()


def _read_password() -> str:
    import getpass
    import sys

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新しいパスワード: ")
    if getpass.getpass("もう一度: ") != first:
        raise UsageError("二つのパスワードが違います。何も変えていません")
    return first


async def _passwd(args: argparse.Namespace) -> int:
    from bot.web.passwords import hash_password, member_id

    member = member_id(args.member)
    ctx = await open_context(args, need_identity=False)
    try:
        if ctx.staff.member(member) is None:
            raise UsageError(f"{member} は担当者ファイルにいません（{staff_file(args) or 'ファイル未指定'}）")
        try:
            hashed = hash_password(_read_password())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        await ctx.stores.staff_logins.set_hash(member, hashed)
        await ctx.guard.record(
            getattr(args, "as_name", None) and f"cli:{args.as_name}" or "cli:passwd", "staff.passwd", member, "ok"
        )
        print(f"{member} のパスワードを設定しました（ロックも解除しました）。")
        return OK
    finally:
        await ctx.close()
