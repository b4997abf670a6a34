"""A resident who reads やさしい日本語, over the console's JSON lines and the real engine: the
menu, a class list, a shop list, a procedure's summary and the programme's facts come in easy
Japanese; what is not written in it yet comes in Japanese; the choice is kept between messages
and a Japanese message does not undo it."""

from __future__ import annotations

import io
import json

import pytest

from bot.channels.console import run_jsonl
from tests.support.conversations import visible

EASY = "ja-easy"


async def chat(engine, *lines: dict) -> list[str]:
    """What the resident sees for each line, through the console channel's JSON-lines loop."""
    out = io.StringIO()
    await run_jsonl(engine, io.StringIO("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)), out)
    answers = [json.loads(o) for o in out.getvalue().splitlines()]
    assert len(answers) == len(lines) and all("replies" in a for a in answers), answers
    return [visible(a["replies"]) for a in answers]


def easy(knowledge, key: str, **values) -> str:
    text = knowledge.texts.texts[key]
    assert text.written_in(EASY) and text.get(EASY) != text.ja  # the test means something
    return knowledge.text(key, EASY, **values)


def first_line(template: str) -> str:
    """The words of a text before its first placeholder."""
    return template.split("{")[0].strip()


async def test_a_conversation_in_easy_japanese(app, knowledge):
    u = "easy-1"
    chosen, menu, classes, shops, procedure, fact, subscribed = await chat(
        app.engine,
        {"user": u, "text": "やさしい にほんご"},
        {"user": u, "text": "メニュー"},
        {"user": u, "text": "宇部のスマホ教室"},
        {"user": u, "text": "宇部のドコモショップ"},
        {"user": u, "text": "児童手当の申請"},
        {"user": "easy-2", "postback": "faq:free", "lang": EASY},
        {"user": u, "text": "宇部の教室のお知らせを受け取りたい"},
    )
    assert knowledge.text("lang.ja-easy", EASY) in chosen
    assert easy(knowledge, "menu") in menu
    assert easy(knowledge, "button.classes") in menu and knowledge.text("button.classes", "ja") not in menu

    # a class list: its head, its notes and each class's words in easy Japanese, the facts as they are
    assert easy(knowledge, "classes_note") in classes
    assert first_line(knowledge.texts.texts["class_entry"].get(EASY).split("\n")[2]) in classes  # ばしょ：
    assert "0800-700-2472" in classes and "【入門】" in classes
    assert knowledge.text("classes_note", "ja") not in classes

    # a shop list: the shop's name, address and number, the "as of" note in easy Japanese
    as_of = knowledge.texts.texts["shops_as_of"].get(EASY).split("{as_of}")[1]
    assert as_of in shops and "ドコモショップフジグラン宇部店" in shops and "0120-173-053" in shops

    # a procedure: its summary in easy Japanese, its official name; the details not yet
    # written in easy Japanese come in Japanese
    proc = knowledge.procedure("child-allowance-certification")
    assert proc.what.get(EASY) in procedure and proc.what.ja not in procedure
    assert proc.name in procedure
    assert not proc.prepare.written_in(EASY) and proc.prepare.ja in procedure

    # a programme fact
    free = next(f for f in knowledge.programme.faq if f.id == "free")
    assert free.answer.get(EASY) in fact and free.answer.ja not in fact

    # not written in easy Japanese yet: Japanese
    assert not knowledge.texts.texts["subscribed"].written_in(EASY)
    assert knowledge.text("subscribed", EASY, city="宇部市") in subscribed
    assert knowledge.text("subscribed", EASY, city="宇部市") == knowledge.text("subscribed", "ja", city="宇部市")


@pytest.mark.parametrize(
    "choose",
    [
        {"text": "やさしいにほんご"},
        {"text": "やさしい日本語で"},
        {"text": "易しい日本語"},
        {"postback": "lang:ja-easy"},
        {"text": "メニュー", "lang": EASY},
    ],
)
async def test_every_way_of_choosing_it(app, knowledge, choose):
    _, menu = await chat(app.engine, {"user": "easy-3", **choose}, {"user": "easy-3", "text": "メニュー"})
    assert easy(knowledge, "menu") in menu


async def test_back_to_japanese_and_english(app, knowledge):
    _, back, english = await chat(
        app.engine,
        {"user": "easy-4", "text": "やさしい にほんご"},
        {"user": "easy-4", "text": "日本語"},
        {"user": "easy-4", "text": "menu please"},
    )
    assert knowledge.text("lang.ja", "ja") in back
    assert knowledge.text("menu", "en") in english


@pytest.mark.parametrize("stored", ["en", "ja", EASY, "fr", None, ["ja"]])
async def test_a_stored_language_old_or_damaged(app, knowledge, stored):
    """A state saved before ja-easy ("en"/"ja") keeps its language; a damaged one reads Japanese."""
    await app.engine.conversations.save("console:old", {"lang": stored})
    (menu,) = await chat(app.engine, {"user": "old", "postback": "menu:"})
    expected = stored if stored in ("en", "ja", EASY) else "ja"
    assert knowledge.text("menu", expected) in menu


async def test_lang_offers_every_other_language_and_the_menu_a_way_there(app, knowledge):
    out = io.StringIO()
    lines = [{"user": "easy-5", "text": "/lang"}, {"user": "easy-5", "text": "メニュー"}]
    await run_jsonl(app.engine, io.StringIO("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)), out)
    choice, menu = (json.loads(o)["replies"] for o in out.getvalue().splitlines())
    offered = {b["data"]: b["label"] for r in choice for b in r["buttons"]}
    assert offered == {"lang:en": "English", "lang:ja-easy": knowledge.text("button.lang.ja-easy", "ja")}
    assert menu[0]["buttons"][-1]["data"] == "intent:languages"
    (after,) = await chat(app.engine, {"user": "easy-5", "postback": "lang:ja-easy"})
    assert knowledge.text("lang.ja-easy", EASY) in after
