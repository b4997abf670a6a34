"""The ``madoguchi`` command line: ``shops check`` and refusing to chat on invalid data."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import pytest

from bot import config
from bot.cli import main


def broken_listing(tmp_path, entry: int = 2) -> tuple[str, int]:
    """A copy of the bundled shops.yaml with the phone of ``shops[entry]`` broken; its path and line."""
    lines = config.shops_file().read_text(encoding="utf-8").splitlines(keepends=True)
    phones = [i for i, line in enumerate(lines) if line.startswith('    phone: "')]
    i = phones[entry]
    lines[i] = '    phone: "083-12"\n'
    path = tmp_path / "shops.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return str(path), i + 1


def madoguchi(*args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_shops_check_passes_on_the_bundled_file(capsys):
    assert main(["shops", "check"]) == 0
    out = capsys.readouterr().out
    assert out == f"OK: {config.shops_file()}: 22 entries (as of 2021-07-27)\n"


def test_shops_check_on_a_named_file(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_bytes(config.shops_file().read_bytes())
    assert main(["shops", "check", str(good)]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {good}: 22 entries")


def test_shops_check_refuses_a_broken_file_naming_the_line(tmp_path):
    path, line = broken_listing(tmp_path, entry=2)
    lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
    carrier = lines.index("    carrier: au\n")
    lines[carrier] = "    carrier: a-u\n"
    open(path, "w", encoding="utf-8").write("".join(lines))
    # a real process, to see exactly what support staff see
    proc = madoguchi("shops", "check", path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert f"{path}:{line}: shops[2].phone: " in proc.stderr
    assert "'083-12'" in proc.stderr
    # every problem at once
    assert f"{path}:{carrier + 1}: shops[" in proc.stderr and "].carrier: " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_shops_check_finds_the_file_from_options_and_environment(tmp_path, monkeypatch, capsys):
    path, _ = broken_listing(tmp_path)
    assert main(["shops", "check", "--shops", path]) == 1
    monkeypatch.setenv("MADOGUCHI_SHOPS", path)
    assert main(["shops", "check"]) == 1
    # a named file wins over the environment
    assert main(["shops", "check", str(config.ROOT / "shops.yaml")]) == 0
    assert "22 entries" in capsys.readouterr().out


def test_chat_refuses_an_invalid_shop_file(tmp_path):
    path, line = broken_listing(tmp_path, entry=5)
    proc = madoguchi(
        "chat",
        "--jsonl",
        "--demo",
        "--shops",
        path,
        "--db",
        str(tmp_path / "x.db"),
        stdin='{"user": "u1", "text": "宇部のドコモ"}\n',
    )
    assert proc.returncode == 2
    assert proc.stdout == ""  # not a single answer from bad data
    assert f"{path}:{line}: shops[5].phone" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_chat_refuses_invalid_data_in_process(tmp_path, monkeypatch):
    path, _ = broken_listing(tmp_path)
    db = str(tmp_path / "x.db")
    assert main(["chat", "--jsonl", "--shops", path, "--db", db]) == 2
    monkeypatch.setenv("MADOGUCHI_SHOPS", path)
    assert main(["chat", "--jsonl", "--db", db]) == 2
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert main(["chat", "--jsonl", "--db", db, "--shops", str(empty)]) == 2
    monkeypatch.delenv("MADOGUCHI_SHOPS")
    assert main(["chat", "--jsonl", "--db", db, "--knowledge", str(tmp_path / "no-such-dir")]) == 2


def test_the_report_goes_to_the_current_stderr(tmp_path):
    path, line = broken_listing(tmp_path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["shops", "check", path]) == 1
    assert f"{path}:{line}: shops[2].phone" in err.getvalue()


def test_chat_with_a_database_that_cannot_be_opened(tmp_path):
    db = str(tmp_path / "missing" / "x.db")
    proc = madoguchi("chat", "--jsonl", "--db", db)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and db in proc.stderr, proc.stderr


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["shops"])
    assert exc.value.code == 2


def test_a_corrupt_database_is_one_clear_line_and_the_process_ends(tmp_path):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not sqlite" * 300)
    proc = madoguchi("chat", "--jsonl", "--db", str(db), stdin='{"user": "a", "text": "x"}\n')
    assert proc.returncode == 2
    assert str(db) in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("order", ["before", "after"])
def test_shared_options_before_or_after_the_command_mean_the_same(tmp_path, order):
    db = tmp_path / "x.db"
    options = ["--db", str(db), "--demo"]
    argv = [*options, "chat", "--jsonl"] if order == "before" else ["chat", "--jsonl", *options]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input='{"user": "a", "text": "宇部のスマホ教室"}\n',
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert db.exists() and not (tmp_path / "madoguchi.db").exists()
    assert "サンプル" in proc.stdout  # --demo applied: the sample classes are there


def test_the_clock_can_be_frozen_for_a_demonstration(monkeypatch):
    from datetime import datetime

    from bot.clock import TOKYO, FixedClock, SystemClock, configured_clock

    monkeypatch.delenv("MADOGUCHI_FIXED_NOW", raising=False)
    assert isinstance(configured_clock(), SystemClock)
    monkeypatch.setenv("MADOGUCHI_FIXED_NOW", "2026-11-26T09:00+09:00")
    clock = configured_clock()
    assert isinstance(clock, FixedClock) and clock() == datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)
