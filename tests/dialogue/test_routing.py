"""The routing rules on their own, on parses built by hand: each decides from the scores,
the message and the state alone."""

from __future__ import annotations

from bot.dialogue.routing import about_classes, shared_word, stray, too_unknown
from bot.dialogue.state import ConversationState
from bot.understanding.intents import Scored
from bot.understanding.parser import Parse


def parse(scoring: str, *intents: Scored, **kw) -> Parse:
    return Parse(text=scoring, lang=kw.pop("lang", "ja"), folded=scoring, reading=scoring, scoring=scoring,
                 intents=list(intents), **kw)  # fmt: skip


def test_one_word_several_intents_share_asks_which():
    tied = [Scored("procedures_child", 66.7, "こどものてつづき"), Scored("procedures_care", 66.7, "かいごのてつづき")]
    assert shared_word(parse("てつづき", *tied)) == tied
    # a longer message that merely resembles both examples is no shared word
    assert shared_word(parse("てつづきのしかた", *tied)) == []
    # one intent alone is a weak match, not a choice
    assert shared_word(parse("てつづき", tied[0], Scored("greeting", 40.0, "やあ"))) == []


def test_unknown_words_need_a_very_good_match_or_a_long_example_named_whole():
    short = Scored("classes", 80.0, "きようしつ")
    assert too_unknown(parse("てんきときようしつ", short, unknown=["天気"]), short)
    assert not too_unknown(parse("きようしつ", short), short)  # nothing unknown
    good = Scored("classes", 95.0, "きようしつ")
    assert not too_unknown(parse("てんきときようしつ", good, unknown=["天気"]), good)
    long = Scored("classes", 80.0, "すまほきようしつ")  # six kana or more, found whole
    assert not too_unknown(parse("てんきとすまほきようしつ", long, unknown=["天気"]), long)


def test_a_short_faq_word_in_a_long_message_is_stray():
    booking = Scored("faq:booking", 90.0, "よやく")
    assert stray(parse("しものせきのびよういんをよやくしたい", booking), booking)
    assert not stray(parse("よやくいる", booking), booking)
    assert not stray(parse("しものせきのびよういんをよやくしたい", Scored("classes", 90.0, "よやく")), Scored("classes", 90.0, "よやく"))


def test_the_talk_is_about_classes_from_the_scores_or_the_state():
    assert about_classes(ConversationState(), [Scored("classes", 80.0, "きようしつ")])
    assert about_classes(ConversationState(topic="faq:free"), [])
    assert not about_classes(ConversationState(topic="shops"), [Scored("shops", 80.0, "みせ")])
