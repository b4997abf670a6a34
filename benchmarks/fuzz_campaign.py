"""The hostile-input campaign, benchmark-sized: 100,000 console lines and 1,000 mutated schedules.

    python benchmarks/fuzz_campaign.py                     # 100,000 lines, 1,000 CSV files
    python benchmarks/fuzz_campaign.py --lines 5000 --files 50   # a quick look

1. **Console.** One ``python -m bot chat --jsonl --demo`` process on a fresh database gets
   ``--lines`` hostile lines (``random_line``: messages with wrong types, lone surrogates,
   control characters, forged button data from every kind the engine knows, impossible
   places, residents' secrets; JSON of any shape; bytes that are not UTF-8 or not JSON;
   deep nesting and huge numbers), written by one thread while another reads. Counted: the
   answers (exactly one per line is required), the ``{"error": …}`` lines, the tracebacks on
   stdout and stderr, the exit status; last, a normal question must get its normal answer.
2. **Class importer.** ``--files`` copies of a good schedule, each mutated by
   ``tests.support.hostile.mutate`` (stray quotes and delimiters, BOMs and Shift_JIS bytes
   spliced in, cells blown up, bytes cut or repeated, in UTF-8 with BOM or CP932), each
   imported by ``madoguchi classes import`` in process (every other one ``--valid-only``).
   Counted: imports, refusals (each must name a row, a column or the file, in Japanese),
   exceptions (tracebacks), and refused files that changed the database (must be 0).

3. **Webhooks** (``--webhook-examples``, default 2,000 each): the suite's Hypothesis fuzz tests
   of the LINE and the Telegram webhook (``tests/fuzz/test_line.py``, ``test_telegram.py``:
   hostile bodies over real HTTP into the real servers, and after each a normal question)
   run with ``MADOGUCHI_FUZZ_EXAMPLES`` raised; Hypothesis's statistics give the examples run.

Seeded (``--seed``; Hypothesis runs derandomized): the same run every time. Prints the
figures; the target is 0 tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import main as madoguchi  # noqa: E402
from tests.classes.test_import import GOOD, csv_text  # noqa: E402
from tests.support.hostile import KINDS, WORDS, mutate  # noqa: E402
from tests.support.secrets import SECRET_MESSAGES  # noqa: E402
from tests.support.staff import write_staff  # noqa: E402

NORMAL = {"user": "after", "text": "宇部のドコモショップ"}
NORMAL_ANSWER = "0120-173-053"
ODD = ["\x00", "\u200b", "\ufeff", "\r", "\t", "🙂", "ｱｲｳ", "%", "_", "'", '"', "\\", "<script>", "=1+1", "\U0010ffff"]


def _text(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.3:
        return "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(0, 40)))
    if pick < 0.5:
        return rng.choice(WORDS) + rng.choice(ODD) + rng.choice(WORDS)
    if pick < 0.6:
        return rng.choice(ODD) * rng.randint(1, 3000)
    if pick < 0.7:
        return rng.choice(SECRET_MESSAGES)
    if pick < 0.8:
        return chr(rng.randint(0xD800, 0xDFFF))  # a lone surrogate
    return rng.choice(
        ["宇部のスマホ教室", "ドコモショップはどこ？", "明日の教室", "メニュー", "1", "2", "English please"]
    )


def _value(rng: random.Random, depth: int = 0) -> object:
    pick = rng.random()
    if depth < 3 and pick < 0.15:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 3 and pick < 0.3:
        return {_text(rng)[:8]: _value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice([None, True, 0, -1, 2**70, 1e308, float("nan"), float("inf"), "", _text(rng)])


def random_line(rng: random.Random) -> bytes:
    """One hostile line of ``madoguchi chat --jsonl`` input (no newline inside)."""
    pick = rng.random()
    if pick < 0.1:
        line = rng.randbytes(rng.randint(0, 120))
    elif pick < 0.15:
        line = rng.choice([b"[" * 30_000 + b"]" * 30_000, b"9" * 6000, b"{" + rng.randbytes(20), b"null"])
    elif pick < 0.25:
        line = json.dumps(_value(rng), ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        user = f"u{rng.randint(1, 50)}" if rng.random() < 0.85 else rng.choice([_text(rng), 7, None, ""])
        message: dict = {"user": user}
        kind = rng.random()
        if kind < 0.45:
            message["text"] = _text(rng) if rng.random() < 0.9 else _value(rng)
        elif kind < 0.85:
            message["postback"] = ":".join(
                [rng.choice(KINDS), *(rng.choice(WORDS + [_text(rng)]) for _ in range(rng.randint(0, 3)))]
            )
        else:
            message["location"] = {"lat": _value(rng), "lon": rng.uniform(-200, 200)}
        if rng.random() < 0.2:
            message["lang"] = rng.choice(["ja", "en", "ja", "en", "fr", 1])
        # escaped (\\ud800) or raw: a lone surrogate arrives both ways
        line = json.dumps(message, ensure_ascii=rng.random() < 0.7).encode("utf-8", "surrogatepass")
    return line.replace(b"\n", b" ")


def console_campaign(count: int, rng: random.Random, workdir: Path) -> dict:
    lines = [random_line(rng) for _ in range(count)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--demo", "--db", str(workdir / "c.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    answers: list[bytes] = []
    errors_out: list[bytes] = []

    def write() -> None:
        for line in lines:
            proc.stdin.write(line + b"\n")
        proc.stdin.write(json.dumps(NORMAL, ensure_ascii=False).encode() + b"\n")
        proc.stdin.close()

    def read_errors() -> None:
        errors_out.append(proc.stderr.read())

    started = time.perf_counter()
    threads = [threading.Thread(target=write), threading.Thread(target=read_errors)]
    for thread in threads:
        thread.start()
    for out in proc.stdout:
        answers.append(out)
    status = proc.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    stderr = errors_out[0]
    parsed = [json.loads(a) for a in answers]
    last = parsed[-1] if parsed else {}
    return {
        "lines": count,
        "answers": len(answers) - 1,
        "error_lines": sum(1 for p in parsed if "error" in p),
        "tracebacks": sum(a.count(b"Traceback") for a in answers) + stderr.count(b"Traceback"),
        "exit_status": status,
        "normal_answer_after": NORMAL_ANSWER in json.dumps(last.get("replies", []), ensure_ascii=False),
        "seconds": round(elapsed, 1),
        "lines_per_second": round(count / elapsed),
        "stderr_tail": stderr[-500:].decode("utf-8", "replace"),
    }


def _classes(db: str) -> list[tuple]:
    if not os.path.exists(db):
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM classes ORDER BY id").fetchall()


def importer_campaign(count: int, rng: random.Random, workdir: Path) -> dict:
    db, staff, path = str(workdir / "i.db"), str(write_staff(workdir)), workdir / "schedule.csv"
    goods = [csv_text(GOOD).encode("utf-8-sig"), csv_text(GOOD).encode("cp932")]
    figures = {
        "files": count,
        "imported": 0,
        "refused": 0,
        "refused_without_row_or_column": 0,
        "tracebacks": 0,
        "refused_but_changed_the_database": 0,
        "other_exit": 0,
    }
    started = time.perf_counter()
    for n in range(count):
        path.write_bytes(mutate(rng.choice(goods), rng))
        before = _classes(db)
        out, err = io.StringIO(), io.StringIO()
        argv = ["classes", "import", str(path), "--db", db, "--staff", staff, "--as", "admin"]
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = madoguchi(argv + (["--valid-only"] if n % 2 else []))
        except BaseException:  # noqa: BLE001 - what the campaign counts
            figures["tracebacks"] += 1
            print(traceback.format_exc()[-1500:], file=sys.stderr)
            continue
        said = out.getvalue() + err.getvalue()
        figures["tracebacks"] += said.count("Traceback")
        if status == 0:
            figures["imported"] += 1
        elif status == 1:
            figures["refused"] += 1
            figures["refused_without_row_or_column"] += not any(w in said for w in ("行目", "列", "ファイル"))
            figures["refused_but_changed_the_database"] += _classes(db) != before
        else:
            figures["other_exit"] += 1
    elapsed = time.perf_counter() - started
    figures.update(seconds=round(elapsed, 1), files_per_second=round(count / elapsed, 1))
    return figures


def webhook_campaign(examples: int) -> dict:
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",  # one process: Hypothesis's statistics are printed by the process that ran them
            "--hypothesis-show-statistics",
            "tests/fuzz/test_line.py",
            "tests/fuzz/test_telegram.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MADOGUCHI_FUZZ_EXAMPLES": str(examples)},
        timeout=3600,
    )
    runs = [int(n) for n in re.findall(r"(\d+) passing, \d+ failing", proc.stdout)]
    return {
        "examples_per_webhook": examples,
        "passing_examples": runs,
        "failed": proc.returncode != 0,
        "tracebacks": proc.stdout.count("Traceback") + proc.stderr.count("Traceback"),
        "summary": (proc.stdout.strip().splitlines() or [""])[-1],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--webhook-examples", type=int, default=2_000, help="0 skips the webhooks")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="madoguchi-fuzz-") as tmp:
        console = console_campaign(args.lines, rng, Path(tmp))
        print("console:", json.dumps({k: v for k, v in console.items() if k != "stderr_tail"}, ensure_ascii=False))
        importer = importer_campaign(args.files, rng, Path(tmp))
        print("importer:", json.dumps(importer, ensure_ascii=False))
    hooks = webhook_campaign(args.webhook_examples) if args.webhook_examples else {"failed": False, "tracebacks": 0}
    if args.webhook_examples:
        print("webhooks:", json.dumps(hooks, ensure_ascii=False))
    ok = (
        console["answers"] == console["lines"]
        and console["tracebacks"] == 0
        and console["exit_status"] == 0
        and console["normal_answer_after"]
        and importer["tracebacks"] == 0
        and importer["refused_but_changed_the_database"] == 0
        and importer["refused_without_row_or_column"] == 0
        and not hooks["failed"]
        and hooks["tracebacks"] == 0
    )
    if console["tracebacks"]:
        print(console["stderr_tail"], file=sys.stderr)
    print("target: 0 tracebacks, one answer per line, refused files change nothing —", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
