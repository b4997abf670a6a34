"""The terminal side of a broadcast: a progress bar, and asking for an explicit confirm.

Lives here: ``ProgressBar`` (on a terminal, one line redrawn at most ten times a second:
bar, done/total, sent/failed/blocked, rate and time left; otherwise — a log file, a
pipe — a plain line every ten per cent or ten seconds) and ``confirm`` (the staff member
types 「はい」 or ``yes``; anything else, or no terminal to ask on, is a no).
Writes to the streams it is given.
"""

from __future__ import annotations

import sys
import time
from typing import IO

from bot.broadcast.engine import Progress

WIDTH = 24


class ProgressBar:
    def __init__(self, out: IO[str] | None = None, clock=time.monotonic):
        self.out = out or sys.stderr
        self.tty = bool(getattr(self.out, "isatty", lambda: False)())
        self.clock = clock
        self._last_draw = 0.0
        self._last_step = -1
        self._drawn = False

    def _line(self, p: Progress) -> str:
        share = p.done / p.total if p.total else 1.0
        filled = int(WIDTH * share)
        bar = "#" * filled + "." * (WIDTH - filled)
        rate = p.rate
        left = (p.total - p.done) / rate if rate > 0 else None
        eta = f" 残り約{int(left // 60)}分{int(left % 60):02d}秒" if left is not None and p.done < p.total else ""
        return f"[{bar}] {p.done}/{p.total}  送信 {p.sent}  失敗 {p.failed}  ブロック {p.blocked}  {rate:.1f}件/秒{eta}"

    def update(self, p: Progress) -> None:
        now = self.clock()
        finished = p.done >= p.total
        if self.tty:
            if not finished and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self.out.write("\r" + self._line(p) + "\033[K")
            self._drawn = True
        else:
            step = int(10 * p.done / p.total) if p.total else 10
            if step == self._last_step and now - self._last_draw < 10 and not (finished and step != self._last_step):
                return
            self._last_step, self._last_draw = step, now
            self.out.write(self._line(p) + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty and self._drawn:
            self.out.write("\n")
            self.out.flush()


def confirm(question: str, inp: IO[str] | None = None, out: IO[str] | None = None) -> bool:
    inp = inp or sys.stdin
    out = out or sys.stderr
    if not getattr(inp, "isatty", lambda: False)():
        out.write(
            "確認できません（端末ではありません）。スクリプトからは --yes を付けてください / "
            "cannot ask for a confirm here: use --yes in scripts\n"
        )
        return False
    out.write(f"{question} 送信するには「はい」または yes と入力してください: ")
    out.flush()
    answer = inp.readline().strip().lower()
    return answer in ("はい", "yes", "y")
