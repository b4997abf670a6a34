"""Fuzzing the JSON-lines console (``madoguchi chat --jsonl``) with Hypothesis: hostile lines of
every kind into one running process, exactly one JSON answer per line, no traceback on stdout
or stderr, and afterwards a normal question gets its normal answer and the process ends 0."""

from __future__ import annotations

import json
import select
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hostile import FUZZ, console_lines

ANSWER_TIMEOUT = 20.0  # seconds for one answer on a loaded machine


class Console:
    def __init__(self, db: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--jsonl", "--demo", "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines = 0

    def ask(self, line: bytes) -> dict:
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()
        self.lines += 1
        ready, _, _ = select.select([self.proc.stdout], [], [], ANSWER_TIMEOUT)
        assert ready, f"no answer within {ANSWER_TIMEOUT}s to {line[:200]!r}"
        out = self.proc.stdout.readline()
        assert b"Traceback" not in out, out
        answer = json.loads(out)
        assert isinstance(answer, dict) and ("replies" in answer or "error" in answer), answer
        return answer


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    running = Console(str(tmp_path_factory.mktemp("fuzz") / "console.db"))
    yield running
    if running.proc.poll() is None:
        running.proc.kill()
        running.proc.wait()


@FUZZ
@given(lines=st.lists(console_lines, min_size=1, max_size=8))
def test_hostile_lines_get_one_answer_each(console, lines):
    for line in lines:
        console.ask(line)


def test_afterwards_a_normal_question_gets_its_answer_and_nothing_leaked(console):
    answer = console.ask(json.dumps({"user": "after", "text": "宇部のドコモショップ"}, ensure_ascii=False).encode())
    assert "0120-173-053" in answer["replies"][0]["text"]
    console.proc.stdin.close()
    assert console.proc.wait(timeout=60) == 0
    rest, errors = console.proc.stdout.read(), console.proc.stderr.read()
    assert rest == b""  # no answer beyond one per line
    assert b"Traceback" not in errors, errors.decode("utf-8", "replace")[-3000:]
    assert console.lines > 60
