"""The ``madoguchi`` command line: ``chat`` (interactive or ``--jsonl``),
``shops check``, ``knowledge``, the staff commands of ``bot.commands`` (``classes``,
``broadcast``, ``report``, ``staff``) and the channels' commands. Options shared by
every command: ``--db``, ``--knowledge``, ``--shops``, ``--demo``, ``--verbose``.
Invalid data refuses to start, naming file, line and field, with exit status 2
(``shops check``: 1)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot import config
from bot.data.knowledge import load_knowledge
from bot.data.shops import load_shops
from bot.data.yaml_lines import DataError
from bot.store.backend import database_errors, shown


def _common(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes. Only the top level sets their defaults: a
    subcommand's copy leaves an option it was not given alone, so ``madoguchi --db X chat``
    and ``madoguchi chat --db X`` mean the same."""
    unset = {} if defaults else {"default": argparse.SUPPRESS}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", help="SQLite database file or postgresql:// URL (default: $MADOGUCHI_DB or ./madoguchi.db)", **unset
    )
    common.add_argument("--knowledge", help="knowledge directory (default: the bundled knowledge/)", **unset)
    common.add_argument("--shops", help="shop listing (default: the bundled shops.yaml)", **unset)
    common.add_argument(
        "--demo", action="store_true", help="fill an empty database with sample classes from today on", **unset
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more", **unset)
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    parser = argparse.ArgumentParser(
        prog="madoguchi", description="Madoguchi (窓口) civic help chatbot", parents=[_common(defaults=True)]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", parents=[common], help="chat in the console")
    chat.add_argument("--jsonl", action="store_true", help="JSON lines on stdin/stdout (the scriptable interface)")
    chat.add_argument("--user", default="local", help="conversation key for the interactive chat")
    shops = sub.add_parser("shops", parents=[common], help="the shop listing")
    shops_sub = shops.add_subparsers(dest="shops_command", required=True)
    check = shops_sub.add_parser("check", parents=[common], help="validate a shop listing")
    check.add_argument("file", nargs="?", help="the listing to check (default: the configured shops.yaml)")
    knowledge = sub.add_parser("knowledge", parents=[common], help="the knowledge files")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    knowledge_sub.add_parser("check", parents=[common], help="validate every knowledge file")
    knowledge_sub.add_parser(
        "readings", parents=[common], help="regenerate knowledge/readings.tsv after editing examples"
    )
    for module in _staff_commands():
        module.add_parser(sub, common)
    for module in _channel_commands():
        module.add_parser(sub, common)
    return parser


# Staff commands (``madoguchi classes``, ``broadcast``, ``report``, ``staff``) live in
# ``bot.commands``: each module has ``COMMAND``, ``add_parser(subparsers, common)`` and
# ``run(args) -> int``, like the channel commands.
STAFF_COMMANDS = (
    "bot.commands.classes",
    "bot.commands.broadcast",
    "bot.commands.report",
    "bot.commands.staff",
    "bot.commands.maintenance",
    "bot.commands.db",
    "bot.web.command",
)


def _staff_commands() -> list:
    import importlib

    return [importlib.import_module(name) for name in STAFF_COMMANDS]


def _channel_commands() -> list:
    """The channels' commands (``madoguchi telegram``, ``madoguchi line``), from the channel
    registry; each imports its platform SDK only inside ``run``."""
    import importlib

    from bot.channels.registry import CHANNELS

    return [importlib.import_module(info.command) for info in CHANNELS if info.command]


def _report(exc: DataError, out=None) -> None:
    out = out or sys.stderr
    out.write("データに誤りがあります / invalid data:\n")
    for problem in exc.problems:
        out.write(f"  {problem}\n")


def _shops_check(args: argparse.Namespace) -> int:
    path = args.file or args.shops or config.shops_file()
    try:
        knowledge = load_knowledge(args.knowledge or config.knowledge_dir())
        directory = load_shops(path, knowledge.municipalities.municipalities)
    except DataError as exc:
        _report(exc)
        return 1
    print(f"OK: {path}: {len(directory)} entries (as of {directory.as_of})")
    return 0


def understanding_problems(knowledge) -> list[str]:
    """What only building the understanding shows: concept words in conflict, intents no skill answers."""
    from bot.dialogue import registry
    from bot.understanding.meaning import Meaning

    return Meaning(knowledge).problems(knowledge.directory) + registry.missing(knowledge)


def _knowledge(args: argparse.Namespace) -> int:
    from bot.understanding.parser import vocabulary
    from bot.understanding.readings import LEXICON_FILE, ReadingLexicon, build_lexicon, write_lexicon

    try:
        knowledge = load_knowledge(args.knowledge or config.knowledge_dir())
    except DataError as exc:
        _report(exc)
        return 1
    path = knowledge.directory / LEXICON_FILE
    if args.knowledge_command == "readings":
        entries = build_lexicon(vocabulary(knowledge))
        write_lexicon(entries, path)
        print(f"wrote {path}: {len(entries)} readings")
        return 0
    problems = understanding_problems(knowledge)
    if problems:
        _report(DataError(problems))
        return 1
    gaps = ReadingLexicon.load(path).missing(vocabulary(knowledge))
    if gaps:
        print(f"{path} is out of date ({len(gaps)} words without a reading): run `madoguchi knowledge readings`")
        return 1
    print(f"OK: {knowledge.directory}")
    return 0


async def _chat(args: argparse.Namespace) -> int:
    from bot.app import open_app
    from bot.channels.console import run_interactive, run_jsonl

    app = await open_app(args.db, args.knowledge, args.shops, demo=args.demo)
    try:
        if args.jsonl:
            await run_jsonl(app.engine)
        else:
            await run_interactive(app.engine, user=args.user)
    finally:
        await app.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "shops":
        return _shops_check(args)
    if args.command == "knowledge":
        return _knowledge(args)
    for module in _staff_commands():
        if args.command == module.COMMAND:
            return module.run(args)
    for module in _channel_commands():
        if args.command == module.COMMAND:
            try:
                return module.run(args)
            except DataError as exc:
                _report(exc)
                return 2
    try:
        return asyncio.run(_chat(args))
    except DataError as exc:
        _report(exc)
        return 2
    except database_errors() as exc:
        sys.stderr.write(
            f"データベースを開けません / cannot open the database {shown(args.db or config.db_path())}: {exc}\n"
        )
        return 2
    except KeyboardInterrupt:
        return 0
