"""Choose the meaning rules' thresholds on data: accuracy on the TUNING part of the conversation
set for each combination of ``COVER_ACCEPT``, ``COVER_LEAD`` and ``EVENT_PICK_LEAD``
(bot/dialogue/meaning_rules.py), best first. The held-out part is never replayed here.

    python benchmarks/calibrate_understanding.py [--top 10]

The values in meaning_rules.py are the best of this grid (ties: the current values).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.accuracy import replay  # noqa: E402
from bot.dialogue import meaning_rules  # noqa: E402
from tests.support.conversations import load_cases, part_of  # noqa: E402

GRID = {
    "COVER_ACCEPT": (0.6, 0.7, 0.75, 0.8, 0.9),
    "COVER_LEAD": (0.1, 0.2, 0.25, 0.35),
    "EVENT_PICK_LEAD": (1.15, 1.3, 1.6),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    cases = [c for c in load_cases() if part_of(c) == "tuning"]
    current = tuple(getattr(meaning_rules, name) for name in GRID)
    results = []
    for values in itertools.product(*GRID.values()):
        for name, value in zip(GRID, values):
            setattr(meaning_rules, name, value)
        right = sum(not wrong for wrong in asyncio.run(replay(cases)).values())
        results.append((right, values == current, values))
    for name, value in zip(GRID, current):
        setattr(meaning_rules, name, value)
    results.sort(key=lambda r: (-r[0], not r[1]))
    print(f"tuning part: {len(cases)} cases; " + ", ".join(GRID))
    for right, is_current, values in results[: args.top]:
        mark = "  ← current" if is_current else ""
        print(f"{right:4d}/{len(cases)} {100 * right / len(cases):5.1f} %  {values}{mark}")


if __name__ == "__main__":
    main()
