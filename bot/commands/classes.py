"""``madoguchi classes import|export|remove``: class schedules in and out, for municipal staff.

Lives here: ``add_parser`` and ``run``.

- ``import FILE`` — check every row (CSV in UTF-8/BOM/CP932, or YAML) and import,
  all-or-nothing; ``--valid-only`` imports the good rows; ``--dry-run`` shows what would
  change and writes nothing; ``--replace`` also removes the classes of the same
  municipalities and months that the file no longer lists. A municipal member may only
  import rows of their municipalities (the others are errors).
- ``export --city 宇部市 --month 2026-12`` — the portal-style CSV (``--encoding cp932``
  for old Excel), or ``--format newsletter`` for the 市政だより text block; ``-o FILE``.
- ``remove`` — remove classes by ``--id``, or by ``--city`` with ``--date``/``--month``/
  ``--venue``; ``--samples`` removes the demo classes. Their reminders are cancelled.

Every action needs the ``classes`` permission for each municipality it touches and is
written to the audit log. The implementation is imported when a command runs, so that
``madoguchi chat`` does not pay for it at start-up.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot import config
from bot.commands.common import BAD, OK, UsageError, open_context, run_staff, staff_options

COMMAND = "classes"
SHOWN = 30  # changes listed by --dry-run without --verbose


def add_parser(subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    staff = staff_options()
    parser = subparsers.add_parser(COMMAND, parents=[common], help="import, export or remove class schedules (staff)")
    sub = parser.add_subparsers(dest="classes_command", required=True)
    imp = sub.add_parser("import", parents=[common, staff], help="import a schedule (CSV as Excel writes it, or YAML)")
    imp.add_argument("file", help="the schedule: .csv (UTF-8, UTF-8 with BOM or Shift_JIS/CP932) or .yaml")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    imp.add_argument("--valid-only", action="store_true", help="import the rows without errors, skip the others")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="also remove classes of the file's municipalities and months that it no longer lists",
    )
    exp = sub.add_parser("export", parents=[common, staff], help="export a month: portal CSV or newsletter text")
    exp.add_argument("--city", action="append", help="municipality (repeat for several; default: all you manage)")
    exp.add_argument("--month", required=True, help="the month, e.g. 2026-12")
    exp.add_argument("--format", choices=("csv", "newsletter"), default="csv")
    exp.add_argument(
        "--encoding",
        choices=("utf-8-sig", "utf-8", "cp932"),
        default="utf-8-sig",
        help="CSV encoding (default utf-8-sig: Excel opens it directly)",
    )
    exp.add_argument("-o", "--output", help="write to this file (default: standard output)")
    rem = sub.add_parser("remove", parents=[common, staff], help="remove classes (their reminders are cancelled)")
    rem.add_argument("--id", type=int, action="append", help="class id (repeat for several)")
    rem.add_argument("--city", action="append", help="municipality")
    rem.add_argument("--date", help="day, e.g. 2026-12-03")
    rem.add_argument("--month", help="month, e.g. 2026-12")
    rem.add_argument("--venue", help="venue name, exactly as imported")
    rem.add_argument("--samples", action="store_true", help="only the demo (sample) classes")
    rem.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    rem.add_argument("--yes", action="store_true", help="remove without asking")
    return parser


def run(args: argparse.Namespace) -> int:
    handlers = {"import": _import, "export": _export, "remove": _remove}
    return run_staff(lambda: handlers[args.classes_command](args), args)


def _month(value: str) -> str:
    from bot.store.schedule import month_bounds

    try:
        month_bounds(value)
    except ValueError:
        raise UsageError(f"--month は 2026-12 のように書いてください: {value!r}") from None
    return value


async def _import(args: argparse.Namespace) -> int:
    from bot.classes.csv_io import read_schedule
    from bot.classes.importer import apply_plan, plan_import
    from bot.clock import SystemClock
    from bot.data.shops import load_shops
    from bot.data.yaml_lines import DataError

    ctx = await open_context(args)
    try:
        await ctx.guard.require(ctx.actor, "classes", target=args.file, name="classes.import")
        try:
            shops = load_shops(args.shops or config.shops_file(), ctx.knowledge.municipalities.municipalities)
        except DataError:
            shops = None  # the classes do not depend on the listing; shop ids are just not filled in
        schedule = read_schedule(
            args.file,
            ctx.knowledge,
            shops,
            allowed=lambda city: ctx.guard.allows(ctx.actor, "classes", city),
            today=SystemClock()().date(),
        )
        plan = await plan_import(ctx.stores.schedule, schedule, valid_only=args.valid_only, replace=args.replace)
        out = sys.stdout
        out.write(f"読み込み: {schedule.file}（{schedule.encoding}、{len(schedule.rows)}行）\n")
        if schedule.problems:
            out.write(f"誤り（{len(schedule.problems)}件）:\n")
            for problem in schedule.problems:
                out.write(f"  {schedule.describe(problem)}\n")
        if schedule.warnings:
            out.write("注意:\n")
            for warning in schedule.warnings:
                out.write(f"  {schedule.describe(warning)}\n")
        shown = [c for c in plan.changes if c.kind != "unchanged"]
        if args.dry_run or args.verbose:
            limit = len(shown) if args.verbose else SHOWN
            for change in shown[:limit]:
                out.write(f"  {change.describe()}\n")
            if len(shown) > limit:
                out.write(f"  …ほか {len(shown) - limit}件（すべて見るには -v）\n")
        out.write(plan.summary() + "\n")
        if plan.refusal:
            out.write(f"→ {plan.refusal}\n")
            await ctx.guard.record(
                ctx.actor,
                "classes.import",
                args.file,
                f"refused: {plan.summary()}" + (" (dry-run)" if args.dry_run else ""),
            )
            return BAD
        if args.dry_run:
            out.write("→ 確認のみです（--dry-run）。何も変更していません。\n")
            await ctx.guard.record(ctx.actor, "classes.import", args.file, f"dry-run: {plan.summary()}")
            return OK
        await apply_plan(ctx.stores.schedule, plan)
        skipped = f"（誤りのある {schedule.bad_rows}行は取り込んでいません）" if schedule.bad_rows else ""
        out.write(f"→ 取り込みました{skipped}。\n")
        await ctx.guard.record(ctx.actor, "classes.import", args.file, f"imported: {plan.summary()}")
        return OK
    finally:
        await ctx.close()


async def _export(args: argparse.Namespace) -> int:
    from bot.classes.export import NotEncodable, to_csv, to_newsletter

    month = _month(args.month)
    ctx = await open_context(args)
    try:
        cities = []
        for typed in args.city or []:
            if ctx.knowledge.municipality(typed) is None:
                raise UsageError(f"{ctx.knowledge.municipalities.prefecture.name}の市町ではありません: {typed!r}")
            cities.append(typed)
        target = f"{','.join(cities) or '*'} {month} {args.format}"
        if cities:
            for city in cities:
                await ctx.guard.require(ctx.actor, "classes", city, target=target, name="classes.export")
        else:
            await ctx.guard.require(ctx.actor, "classes", target=target, name="classes.export")
            scope = ctx.guard.scope(ctx.actor)
            cities = scope if scope is not None else []
            if scope == []:
                raise UsageError(
                    "担当の市町が担当者ファイルに書かれていません（--city で指定するか、管理者に依頼してください）"
                )
        store = ctx.stores.schedule
        sessions = await store.in_month(cities or None, month)
        samples = await store.count_samples(cities or None, month)
        if args.format == "newsletter":
            data = to_newsletter(sessions, month, ctx.knowledge).encode("utf-8")
        else:
            try:
                data = to_csv(sessions, args.encoding)
            except NotEncodable as exc:
                sys.stderr.write(f"{exc}\n")
                await ctx.guard.record(ctx.actor, "classes.export", target, f"refused: {exc}"[:300])
                return BAD
        if args.output:
            Path(args.output).write_bytes(data)
            sys.stderr.write(f"{args.output} に {len(sessions)}件を書き出しました。\n")
        else:
            sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(
                data.decode(args.encoding)
            )
            sys.stdout.flush()
        if samples:
            sys.stderr.write(f"デモ用の見本データ {samples}件は含めていません。\n")
        if not sessions:
            sys.stderr.write(f"{month} の講座は登録されていません。\n")
        await ctx.guard.record(ctx.actor, "classes.export", target, f"ok: {len(sessions)} classes")
        return OK
    finally:
        await ctx.close()


def _removal_dates(args: argparse.Namespace) -> tuple[date | None, str | None]:
    """The day and month ``classes remove`` was given (a usage error when it was given no filter)."""
    if not (args.id or args.city or args.samples):
        raise UsageError("消す講座を --id か --city（と --date / --month / --venue）か --samples で指定してください")
    day = None
    if args.date:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date は 2026-12-03 のように書いてください: {args.date!r}") from None
    return day, _month(args.month) if args.month else None


def _show_found(found: list, verbose: bool) -> None:
    for c in found[: None if verbose else SHOWN]:
        sys.stdout.write(
            f"  #{c.id} {c.municipality} {c.day:%Y/%m/%d} {c.start} {c.venue}「{c.title}」"
            + ("（見本）" if c.sample else "")
            + "\n"
        )
    if len(found) > SHOWN and not verbose:
        sys.stdout.write(f"  …ほか {len(found) - SHOWN}件\n")


async def _remove(args: argparse.Namespace) -> int:
    day, month = _removal_dates(args)
    ctx = await open_context(args)
    try:
        await ctx.guard.require(ctx.actor, "classes", name="classes.remove")
        for city in args.city or []:
            await ctx.guard.require(ctx.actor, "classes", city, name="classes.remove")
        store = ctx.stores.schedule
        found = await store.find(args.city, day, month, args.venue, args.id, args.samples)
        target = f"{len(found)} classes"
        for city in sorted({c.municipality for c in found}):
            await ctx.guard.require(ctx.actor, "classes", city, target=target, name="classes.remove")
        _show_found(found, args.verbose)
        if not found:
            sys.stdout.write("当てはまる講座はありません。\n")
            return BAD
        if args.dry_run:
            sys.stdout.write(f"→ {len(found)}件が消えます（--dry-run: 何も変更していません）。\n")
            return OK
        if not args.yes:
            from bot.commands.progress import confirm

            if not confirm(f"この {len(found)}件を消します（お知らせの予約も取り消されます）。"):
                sys.stdout.write("取りやめました。\n")
                await ctx.guard.record(ctx.actor, "classes.remove", target, "declined")
                return BAD
        await store.remove([c.id for c in found])
        sys.stdout.write(f"→ {len(found)}件を消しました。\n")
        await ctx.guard.record(
            ctx.actor, "classes.remove", ", ".join(f"#{c.id}" for c in found)[:500], f"removed {len(found)}"
        )
        return OK
    finally:
        await ctx.close()
