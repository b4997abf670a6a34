"""Class levels and topics: a keyword counts only as a word of its own, so ライン (LINE)
is not found inside オンライン, nor "line" inside "online"."""

from datetime import date

import pytest

from bot.understanding.gazetteer import runs_on_in_kana

DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    "text, topic",
    [
        ("ラインの使い方を習いたい", "line_app"),
        ("ライン教室", "line_app"),
        ("スマホでライン", "line_app"),
        ("らいんをおしえて", "line_app"),
        ("LINEの教室", "line_app"),
        ("line class in Ube", "line_app"),
        ("ラインアプリの使い方", "line_app"),
        ("オンライン診療のやり方を教えてくれる教室は？", "online_medical"),
        ("おんらいんしんりょうの教室", "online_medical"),
        ("Is there a class on online medical care?", "online_medical"),
        ("オンライン手続きの講座", "online_procedures"),
        ("マイナポータルの教室", "online_procedures"),
        ("マイナンバーカードの講座", "mynumber"),
        ("マイナカードの講座", "mynumber"),
        ("マイナ保険証", "mynumber"),
        ("グーグルマップの使い方", "maps"),
        ("マップの使い方", "maps"),
        ("インターネットの教室", "internet"),
        ("ネットで検索", "internet"),
    ],
)
def test_topics(understanding, text, topic):
    assert understanding.parse(text, DAY).topic == topic


@pytest.mark.parametrize(
    "text",
    ["オンラインで申請できる？", "おんらいんでしんせいできる？", "Can I apply online?", "家族とオンラインで話したい"],
)
def test_online_is_not_line(understanding, text):
    assert understanding.parse(text, DAY).topic != "line_app"


@pytest.mark.parametrize(
    "text, level", [("try it out in Ube", "体験"), ("ビギナー向け", "入門"), ("体験したい", "体験")]
)
def test_levels(understanding, text, level):
    assert understanding.parse(text, DAY).level == level


@pytest.mark.parametrize("text", ["which country are you in", "an entry form"])
def test_an_english_keyword_inside_a_longer_word_is_no_level(understanding, text):
    assert understanding.parse(text, DAY).level is None


@pytest.mark.parametrize(
    "text, span, runs_on",
    [
        ("オンライン", (2, 5), True),  # ライン in オンライン
        ("ラインで", (0, 3), False),
        ("ライン教室", (0, 3), False),
        ("スマホのライン", (4, 7), False),
        ("ラインアプリ", (0, 3), True),
        ("ググルマツプ", (3, 6), True),  # folded グーグルマップ
        ("おんらいんで", (2, 5), True),  # typed in hiragana: more hiragana before it
        ("すまほでらいん", (4, 7), False),  # a particle before it
        ("らいんを", (0, 3), False),  # okurigana and particles after it are normal
    ],
)
def test_runs_on_in_kana(text, span, runs_on):
    assert runs_on_in_kana(text, *span) is runs_on
