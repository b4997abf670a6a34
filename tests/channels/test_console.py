"""The console channel: JSON lines (in-process and as a real ``python -m bot chat --jsonl``
process) and the interactive chat with numbered buttons."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading

import pytest

from bot.channels.console import run_interactive, run_jsonl
from bot.understanding.normalize import MAX_UNDERSTOOD_CHARS
from tests.support.conversations import visible


def encode(line) -> str:
    return line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)


async def jsonl(engine, *lines) -> list[dict]:
    """Run the JSON-lines loop over ``lines`` (objects or raw text); exactly one output per line."""
    raw = [encode(line) for line in lines]
    assert all("\n" not in r for r in raw)
    out = io.StringIO()
    await run_jsonl(engine, io.StringIO("".join(r + "\n" for r in raw)), out)
    written = out.getvalue()
    assert written.endswith("\n") or not raw
    outputs = written.splitlines()
    assert len(outputs) == len(raw), outputs
    return [json.loads(o) for o in outputs]


def check_shape(obj: dict, user: str) -> None:
    """The DESIGN.md output shape."""
    assert obj["user"] == user
    assert isinstance(obj["replies"], list) and obj["replies"]
    for reply in obj["replies"]:
        assert isinstance(reply["text"], str) and reply["text"].strip()
        for button in reply["buttons"]:
            assert set(button) >= {"label", "data"}
            assert isinstance(button["label"], str) and isinstance(button["data"], str)
        for link in reply["links"]:
            assert isinstance(link["label"], str) and isinstance(link["url"], str)


def buttons(obj: dict) -> list[dict]:
    return [b for r in obj["replies"] for b in r["buttons"]]


# --- JSON lines, in-process ---------------------------------------------------------


async def test_a_text_message(app):
    (out,) = await jsonl(app.engine, {"user": "u1", "text": "宇部のドコモ"})
    check_shape(out, "u1")
    seen = visible(out["replies"])
    assert "0120-173-053" in seen and "ドコモショップフジグラン宇部店" in seen
    assert "0800-700-2472" not in seen  # au, not asked for
    assert any(link["url"].startswith("https://www.google.com/maps/") for r in out["replies"] for link in r["links"])


async def test_a_location_message(app, knowledge):
    office = knowledge.municipality("防府市").office
    (out,) = await jsonl(app.engine, {"user": "u1", "location": {"lat": office.lat, "lon": office.lon}})
    check_shape(out, "u1")
    text = out["replies"][0]["text"]
    assert "0120-244-902" in text
    first_shop = text.split("■", 2)[1]
    assert "防府市" in first_shop  # nearest first


async def test_a_postback_from_a_previous_reply(app):
    (first,) = await jsonl(app.engine, {"user": "u1", "text": "宇部"})
    check_shape(first, "u1")
    data = [b["data"] for b in buttons(first)]
    shops_button = next(d for d in data if d.startswith("shops:"))
    (second,) = await jsonl(app.engine, {"user": "u1", "postback": shops_button})
    check_shape(second, "u1")
    seen = visible(second["replies"])
    for phone in ("0120-173-053", "0800-700-2472", "0800-700-2497", "0836-36-2253"):
        assert phone in seen


async def test_every_menu_button_leads_somewhere(app, knowledge):
    (menu,) = await jsonl(app.engine, {"user": "u1", "text": "メニュー"})
    data = [b["data"] for b in buttons(menu)]
    assert len(data) == 6 and data[-1] == "intent:languages"  # the five answers, then the languages
    outs = await jsonl(app.engine, *({"user": "u1", "postback": d} for d in data))
    for d, out in zip(data, outs):
        check_shape(out, "u1")
        text = out["replies"][0]["text"]
        assert text not in (knowledge.text("unknown_button", "ja"), knowledge.text("error", "ja")), d


@pytest.mark.parametrize("data", ["bogus:xx", "", "city:東京都", "shops:", "proc:no-such-procedure"])
async def test_an_unknown_postback(app, knowledge, data):
    (out,) = await jsonl(app.engine, {"user": "u1", "postback": data})
    check_shape(out, "u1")
    assert out["replies"][0]["text"] == knowledge.text("unknown_button", "ja")
    assert [b["data"] for b in buttons(out)][:2] == ["intent:classes", "intent:shops"]  # the menu


async def test_lang_en(app):
    (out,) = await jsonl(app.engine, {"user": "u2", "text": "宇部のドコモ", "lang": "en"})
    check_shape(out, "u2")
    text = out["replies"][0]["text"]
    assert "Ube City" in text and "0120-173-053" in text and "Toll-free" in text
    (ja,) = await jsonl(app.engine, {"user": "u3", "text": "宇部のドコモ", "lang": "ja"})
    assert "宇部市" in ja["replies"][0]["text"] and "Ube City" not in ja["replies"][0]["text"]


async def test_each_user_is_a_separate_conversation(app):
    outs = await jsonl(
        app.engine,
        {"user": "a", "text": "ドコモショップはどこ？"},
        {"user": "b", "text": "ドコモショップはどこ？"},
        {"user": "a", "text": "防府"},
        {"user": "c", "text": "防府"},
    )
    assert [o["user"] for o in outs] == ["a", "b", "a", "c"]
    assert "0120-244-902" in visible(outs[2]["replies"])
    assert "0120-244-902" not in visible(outs[3]["replies"])  # c was never asked which city


BAD_LINES = [
    "not json",
    "{'user': 'u1', 'text': 'single quotes'}",
    "",
    '{"user": "u1", "text": "unterminated',
    '[{"user": "u1", "text": "hi"}]',
    '"u1"',
    "42",
    "null",
    {"text": "no user"},
    {"user": "", "text": "empty user"},
    {"user": "   ", "text": "blank user"},
    {"user": None, "text": "null user"},
    {"user": 7, "text": "number user"},
    {"user": ["u1"], "text": "list user"},
    {"user": "u1", "text": 12},
    {"user": "u1", "text": ["a"]},
    {"user": "u1", "text": {"ja": "a"}},
    {"user": "u1", "text": True},
    {"user": "u1", "postback": 3},
    {"user": "u1", "text": "hi", "lang": "fr"},
    {"user": "u1", "location": {"lat": "north", "lon": "east"}},
    {"user": "u1", "location": {"lat": 34.0}},
    {"user": "u1", "location": [34.0, 131.0]},
    {"user": "u1", "location": "34.0,131.0"},
    {"user": "u1", "location": {"lat": 91, "lon": 131}},
    {"user": "u1", "location": {"lat": 34, "lon": 181}},
    {"user": "u1", "location": {"lat": -91, "lon": 131}},
    '{"user": "u1", "location": {"lat": NaN, "lon": 131}}',
    '{"user": "u1", "location": {"lat": 34, "lon": Infinity}}',
    {"user": "u1"},
    {"user": "u1", "lang": "en"},
    {"user": "u1", "text": None, "postback": None, "location": None},
    "[" * 100_000,
]


async def test_bad_lines_each_get_an_error_and_the_loop_goes_on(app):
    lines = []
    for bad in BAD_LINES:
        lines += [bad, {"user": "ok", "text": "ありがとう"}]
    outs = await jsonl(app.engine, *lines)
    for bad, err, ok in zip(BAD_LINES, outs[::2], outs[1::2]):
        assert set(err) == {"error"}, (bad, err)
        assert isinstance(err["error"], str) and err["error"], bad
        check_shape(ok, "ok")


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "   \t\n  ",
        "あ" * 10_000,
        "\u0000\u0007\u007f\u001b\u0085",
        "\u001b[2J\u001b[31m",
        "\u0000宇部のドコモ\u200b",
        "😀👍🎉",
        "\U0001f3ea?",
        "\ud83d",  # a lone surrogate
        "ＵＢＥ　ｄｏｃｏｍｏ",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{}",
        "\u202e逆向き",
        "\u202e宇部のドコモ",
    ],
    ids=[
        "empty",
        "space",
        "whitespace",
        "10k",
        "control",
        "ansi",
        "control+text",
        "emoji",
        "emoji?",
        "surrogate",
        "fullwidth",
        "html",
        "sql",
        "braces",
        "bidi",
        "bidi+text",
    ],
)
async def test_odd_text_gets_a_reply(app, knowledge, text):
    (out,) = await jsonl(app.engine, {"user": "odd", "text": text})
    check_shape(out, "odd")
    first = out["replies"][0]["text"]
    assert first != knowledge.text("error", "ja"), "the engine failed inside"
    if not text.strip() or text.startswith("\u0000\u0007"):
        assert first == knowledge.text("empty", "ja")
    if len(text) > MAX_UNDERSTOOD_CHARS:
        assert first == knowledge.text("too_long", "ja", limit=MAX_UNDERSTOOD_CHARS)
    if "宇部のドコモ" in text or "ｄｏｃｏｍｏ" in text:  # invisible characters do not hide the question
        assert "0120-173-053" in first


async def test_end_of_input_ends_the_loop(app):
    out = io.StringIO()
    await run_jsonl(app.engine, io.StringIO(""), out)
    assert out.getvalue() == ""
    # a last line without a newline is still answered
    out = io.StringIO()
    await run_jsonl(app.engine, io.StringIO('{"user": "u1", "text": "宇部のドコモ"}'), out)
    (line,) = out.getvalue().splitlines()
    assert "0120-173-053" in line


async def test_windows_line_endings(app):
    out = io.StringIO()
    await run_jsonl(app.engine, io.StringIO('{"user": "u1", "text": "宇部のドコモ"}\r\n'), out)
    (line,) = out.getvalue().splitlines()
    assert "0120-173-053" in line


async def test_location_as_numeric_strings_is_refused(app):
    outs = await jsonl(
        app.engine,
        {"user": "u1", "location": {"lat": "34.05", "lon": "131.56"}},
        {"user": "u1", "location": {"lat": True, "lon": True}},
    )
    assert all(set(o) == {"error"} for o in outs), outs


async def test_a_huge_location_number_is_a_bad_line(app):
    outs = await jsonl(
        app.engine, '{"user": "u1", "location": {"lat": 1%s, "lon": 131}}' % ("0" * 400), {"user": "u1", "text": "hi"}
    )
    assert set(outs[0]) == {"error"} and outs[1]["user"] == "u1"


async def test_an_overlong_integer_is_a_bad_line(app):
    outs = await jsonl(
        app.engine, '{"user": "u1", "text": "hi", "n": 1%s}' % ("0" * 5000), {"user": "u1", "text": "hi"}
    )
    assert set(outs[0]) == {"error"} and outs[1]["user"] == "u1"


async def test_a_user_with_a_lone_surrogate_is_a_bad_line(app):
    outs = await jsonl(app.engine, '{"user": "\\ud800", "text": "hi"}', {"user": "u1", "text": "hi"})
    assert set(outs[0]) == {"error"} and outs[1]["user"] == "u1"


# --- JSON lines, a real process -----------------------------------------------------


def bot_process(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--jsonl", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
    )


def run_bot(lines, db, timeout=60) -> tuple[list[dict], subprocess.CompletedProcess]:
    raw = [encode(line) for line in lines]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--demo", "--db", str(db)],
        input="".join(r + "\n" for r in raw),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    outputs = proc.stdout.splitlines()
    assert len(outputs) == len(raw), proc.stdout
    return [json.loads(o) for o in outputs], proc


def test_process_answers_every_line_exits_0_and_remembers_across_a_restart(tmp_path):
    db = tmp_path / "p.db"
    good = [
        {"user": "u1", "text": "宇部のドコモ"},
        {"user": "u1", "location": {"lat": 34.0517, "lon": 131.5622}},
        {"user": "u1", "postback": "shops:防府市"},
        {"user": "u1", "postback": "no-such-button"},
        {"user": "u2", "text": "where is the docomo shop in Ube?", "lang": "en"},
        {"user": "u1", "text": ""},
        {"user": "u1", "text": "   "},
        {"user": "u1", "text": "長" * 10_000},
        {"user": "u1", "text": "\u0000\u0001\u001b[31m"},
        {"user": "u1", "text": "😀👍"},
        {"user": "later", "text": "ドコモショップはどこ？"},
    ]
    bad = [
        "not json",
        '{"user": "u1", "text": "a\rb"}',  # a raw CR inside a line is not a line break
        "[1, 2]",
        {"text": "hi"},
        {"user": "", "text": "hi"},
        {"user": 1, "text": "hi"},
        {"user": "u1", "text": 1},
        {"user": "u1", "location": {"lat": "x", "lon": "y"}},
        {"user": "u1", "location": {"lat": 100, "lon": 131}},
        '{"user": "u1", "location": {"lat": NaN, "lon": 131}}',
        {"user": "u1"},
    ]
    outs, proc = run_bot(good + bad, db)
    assert proc.stderr == ""
    for obj, out in zip(good, outs):
        check_shape(out, obj["user"])
    for line, out in zip(bad, outs[len(good) :]):
        assert set(out) == {"error"}, (line, out)
    assert "0120-173-053" in visible(outs[0]["replies"])
    assert "0120-244-902" in visible(outs[1]["replies"])  # near Hofu station
    assert "0120-244-902" in visible(outs[2]["replies"])
    assert "Ube City" in outs[4]["replies"][0]["text"]
    assert "市町" in outs[len(good) - 1]["replies"][0]["text"]  # which city?

    # a second process on the same database: the question asked above is still pending
    (answer,), proc = run_bot([{"user": "later", "text": "防府"}], db)
    assert proc.stderr == ""
    seen = visible(answer["replies"])
    assert "0120-244-902" in seen
    assert "0835-25-0880" not in seen  # still docomo only


def test_process_flushes_each_answer_and_takes_a_button_back(tmp_path):
    """Talk line by line: each answer must arrive before the next line is sent."""
    proc = bot_process("--demo", "--db", str(tmp_path / "f.db"))
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:

        def say(obj) -> dict:
            proc.stdin.write(json.dumps(obj, ensure_ascii=False) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            return json.loads(line)

        first = say({"user": "u1", "text": "下関"})
        check_shape(first, "u1")
        data = next(b["data"] for b in buttons(first) if b["data"].startswith("shops:"))
        second = say({"user": "u1", "postback": data})
        assert "0120-223-615" in visible(second["replies"])
        assert "error" in say({"user": "u1", "location": {"lat": 200, "lon": 0}})
        third = say({"user": "u1", "postback": "menu"})
        check_shape(third, "u1")
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read() == ""
        assert "Traceback" not in proc.stderr.read()
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()


@pytest.mark.parametrize(
    "errors, first_line",
    [
        ("strict", b"\xff\xfe not json\n"),
        ("surrogateescape", b'{"user": "\xff\xfe", "text": "hi"}\n'),
    ],
    ids=["strict-stdin", "surrogateescape-stdin"],
)
async def test_bytes_that_are_not_utf8_are_a_bad_line(app, errors, first_line):
    # stdin as Python sets it up for a pipe
    inp = io.TextIOWrapper(io.BytesIO(first_line + b'{"user": "u1", "text": "hi"}\n'), encoding="utf-8", errors=errors)
    out = io.StringIO()
    await run_jsonl(app.engine, inp, out)
    first, second = out.getvalue().splitlines()
    assert "error" in json.loads(first) and json.loads(second)["user"] == "u1"


# --- the interactive chat -----------------------------------------------------------


async def interactive(engine, typed: str, user: str = "local") -> str:
    out = io.StringIO()
    await run_interactive(engine, user=user, inp=io.StringIO(typed), out=out)
    return out.getvalue()


async def test_interactive_numbers_the_buttons_and_a_number_presses_one(app, knowledge):
    screen = await interactive(app.engine, "宇部\n2\n")
    greeting, rest = screen.split("> ", 1)
    assert knowledge.text("greeting", "ja") in greeting
    assert f"[1] {knowledge.text('button.classes', 'ja')}" in greeting
    assert f"[2] {knowledge.text('button.shops', 'ja')}" in greeting
    city_reply, shops_reply, end = rest.split("> ")
    assert "[1] 宇部市のスマホ教室" in city_reply
    assert "[2] 宇部市のショップ" in city_reply
    # "2" pressed 宇部市のショップ: the four shops of Ube
    for phone in ("0120-173-053", "0800-700-2472", "0800-700-2497", "0836-36-2253"):
        assert phone in shops_reply
    assert "→ " in shops_reply and "https://www.google.com/maps/" in shops_reply
    assert end == "\n"  # end of input: a clean exit


async def test_interactive_first_button_of_the_greeting(app, knowledge):
    screen = await interactive(app.engine, "1\n1\n")
    pressed, pressed_again = screen.split("> ")[1:3]
    # [1] スマホ教室をさがす asks which city, with a button per city that has classes
    assert "市町" in pressed
    assert "[1] 下関市" in pressed and "[2] 宇部市" in pressed
    # [1] 下関市: the classes in Shimonoseki, at its shops
    assert "下関市" in pressed_again
    assert any(p in pressed_again for p in ("0120-223-615", "083-249-2666", "083-251-4020"))
    assert "0120-173-053" not in pressed_again  # not Ube


async def test_interactive_a_number_without_such_a_button_is_text(app, knowledge):
    screen = await interactive(app.engine, "99\n")
    pressed = screen.split("> ")[1]
    assert knowledge.text("unknown_button", "ja") not in pressed
    assert knowledge.text("error", "ja") not in pressed
    assert pressed.strip()


async def test_interactive_quit(app):
    screen = await interactive(app.engine, "quit\n宇部のドコモ\n")
    assert "0120-173-053" not in screen
    assert screen.endswith("> \n")
