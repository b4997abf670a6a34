"""The engine's first step: secrets masked before anything else sees the text, the warning
answered first, a question about a suspicious call answered with the scam warning and the
consumer hotline 188 — and stored nowhere, through the console's JSON lines too."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from bot.messages import IncomingMessage
from bot.privacy.screening import asks_about_a_scam, scam_sentences, screen
from tests.support.conversations import visible
from tests.support.secrets import SECRET_MESSAGES, WARNING, assert_kept_nowhere, settled_texts
from tests.support.staff import run_cli, write_staff

SCAMS = [
    "市役所を名乗る電話で暗証番号を聞かれた",
    "someone called asking for my card PIN",
    "怪しいメールが来ました",
    "A caller claimed to be from the city and wanted my bank account",
]
NOT_SCAMS = [
    "マイナンバーカードの暗証番号を忘れた",
    "電話で予約できますか",
    "宇部のスマホ教室",
    "How do I reset my PIN?",
    "市役所に電話したい",
]


@pytest.mark.parametrize("text", SCAMS)
def test_questions_about_a_suspicious_call_or_message(text):
    assert asks_about_a_scam(text)


@pytest.mark.parametrize("text", NOT_SCAMS)
def test_ordinary_questions_are_no_scam(text):
    assert not asks_about_a_scam(text)


def test_only_the_masked_text_goes_on():
    screened = screen(IncomingMessage("u", text=SECRET_MESSAGES[1]))
    assert screened.secrets == ("pin",) and "739164" not in screened.message.text
    assert screen(IncomingMessage("u", postback="menu")).message.postback == "menu"


@pytest.mark.parametrize("text", SCAMS[:2])
async def test_the_scam_warning_gives_the_hotline(app, text):
    replies = await app.engine.handle(IncomingMessage("u", text=text))
    seen = visible(replies)
    assert "188" in seen and ("詐欺" in seen or "scam" in seen)
    assert any(link.url == "tel:188" for r in replies for link in r.links)


def test_the_sentences_that_speak_of_a_scam():
    assert scam_sentences("詐欺の電話がかかってきた。教室で習ったけど不安") == ["詐欺の電話がかかってきた"]
    assert scam_sentences("宇部のスマホ教室") == []


@pytest.mark.parametrize(
    "text, city",
    [
        ("詐欺メールの見分け方を教えてくれる教室はある？", None),
        ("宇部で詐欺メールや怪しい電話の対策を習える講座はありますか", "宇部市"),
    ],
)
async def test_a_class_on_scam_mail_is_a_class_search_not_the_warning(app, text, city):
    seen = visible(await app.engine.handle(IncomingMessage("u", text=text)))
    assert "188" not in seen
    assert "あんしん・安全" in seen  # the safety courses (seed: 入門編「あんしん・安全にスマホを使おう」)
    assert city is None or city in seen


@pytest.mark.parametrize(
    "text", ["詐欺の電話がかかってきた。教室で習ったけど不安", "怪しいメールが届いて、リンクを押してしもうた"]
)
async def test_a_scam_told_beside_a_class_still_gets_the_warning(app, text):
    assert "188" in visible(await app.engine.handle(IncomingMessage("u", text=text)))


async def test_the_warning_comes_first_and_the_digits_are_kept_nowhere(app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    for text in SECRET_MESSAGES:
        replies = await app.engine.handle(IncomingMessage("console:s", text=text))
        assert WARNING in replies[0].text
    await app.engine.handle(IncomingMessage("console:s", text="宇部のスマホ教室"))  # the talk goes on
    misses = await settled_texts(app)
    assert misses and all("＊＊＊＊" in m or "739164" not in m for m in misses)
    assert_kept_nowhere(app.db.path, caplog.text, *misses)


def test_through_the_console_json_lines(tmp_path):
    db = tmp_path / "console.db"
    lines = "".join(json.dumps({"user": "s", "text": t}, ensure_ascii=False) + "\n" for t in SECRET_MESSAGES)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--demo", "--db", str(db), "-v"],
        input=lines + '{"user": "s", "text": "宇部のスマホ教室"}\n',
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == 4 and all(WARNING in a["replies"][0]["text"] for a in answers[:3])
    assert "宇部" in answers[3]["replies"][0]["text"]
    status, report, _, _ = run_cli(
        "report",
        "unanswered",
        "--db",
        str(db),
        "--staff",
        str(write_staff(tmp_path)),
        "--as",
        "admin",
        "--format",
        "csv",
    )
    assert status == 0
    assert_kept_nowhere(db, proc.stderr, report)
