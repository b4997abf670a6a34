"""Accuracy on the conversation test set, on its tuning and held-out parts (see
tests/support/conversations.py for the fixed split): every case replayed through the engine on
demo data at the suite's fixed clock, a case right when every turn's reply has what it must.

    python benchmarks/accuracy.py [--misses tuning|held-out|all] [--file v2_]

Prints cases and turns right per part and per file; ``--misses`` lists the wrong ones of a
part (tune only on the tuning part: the held-out misses are for the report).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.messages import IncomingMessage  # noqa: E402
from tests.conftest import NOW  # noqa: E402
from tests.support.conversations import load_cases, part_of, problems, visible  # noqa: E402


async def replay(cases) -> dict[str, list[str]]:
    """Each case id → the problems of its first wrong turn (empty: right)."""
    folder = tempfile.mkdtemp(prefix="madoguchi-accuracy-")
    try:
        app = await open_app(str(Path(folder) / "accuracy.db"), demo=True, clock=FixedClock(NOW))
        results = {}
        for case in cases:
            wrong: list[str] = []
            for n, turn in enumerate(case.turns, 1):
                replies = await app.engine.handle(IncomingMessage(f"acc:{case.id}", text=turn.say, lang=case.lang))
                seen = visible(replies)
                bad = problems(turn, seen)
                if bad:
                    wrong = [f"turn {n} {turn.say[:60]!r}: {bad}", "  → " + seen.replace("\n", " / ")[:240]]
                    break
            results[case.id] = wrong
        await app.close()
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def summary(cases, results) -> dict[str, tuple[int, int]]:
    parts: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        ok = not results[case.id]
        parts[part_of(case)].append(ok)
        parts["file " + case.file].append(ok)
    return {k: (sum(v), len(v)) for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", choices=["tuning", "held-out", "all"])
    ap.add_argument("--file", default="", help="only cases from files whose name starts with this")
    args = ap.parse_args()
    cases = [c for c in load_cases() if c.file.startswith(args.file)]
    results = asyncio.run(replay(cases))
    for key, (right, total) in sorted(summary(cases, results).items()):
        print(f"{key:40s} {right:4d}/{total:<4d} {100 * right / total:5.1f} %")
    if args.misses:
        for case in cases:
            if results[case.id] and (args.misses == "all" or part_of(case) == args.misses):
                print(f"\n{case.id} [{case.file}]" + (f" (known miss: {case.known_miss})" if case.known_miss else ""))
                print("\n".join(results[case.id]))


if __name__ == "__main__":
    main()
