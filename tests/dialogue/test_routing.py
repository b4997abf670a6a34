"""The routing rules on their own, on parses built by hand: each decides from the scores,
the message and the state alone."""

from __future__ import annotations

from bot.dialogue.routing import about_classes, named_procedure, prefer, shared_word, stray, too_unknown
from bot.dialogue.state import ConversationState
from bot.understanding.intents import Scored
from bot.understanding.parser import Parse


def parse(scoring: str, *intents: Scored, **kw) -> Parse:
    return Parse(
        text=scoring,
        lang=kw.pop("lang", "ja"),
        folded=scoring,
        reading=scoring,
        scoring=scoring,
        intents=list(intents),
        **kw,
    )


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
    assert not stray(
        parse("しものせきのびよういんをよやくしたい", Scored("classes", 90.0, "よやく")),
        Scored("classes", 90.0, "よやく"),
    )


def test_the_talk_is_about_classes_from_the_scores_or_the_state():
    assert about_classes(ConversationState(), [Scored("classes", 80.0, "きようしつ")])
    assert about_classes(ConversationState(topic="faq:free"), [])
    assert not about_classes(ConversationState(topic="shops"), [Scored("shops", 80.0, "みせ")])


def test_one_english_word_among_unknown_ones_is_no_very_good_match():
    lone = Scored("classes", 90.8, "classes")
    assert too_unknown(parse("drop table classes", lone, lang="en", unknown=["drop", "table"]), lone)
    assert not too_unknown(parse("classes in town", lone, lang="en", unknown=["town"]), lone)


def test_a_procedure_named_whole_wins_over_the_faq_it_ties_with():
    faq = Scored("faq:bring", 91.9, "なにをもつていけばいい")
    proc = Scored("proc:disaster-victim-certificate", 91.2, "りさいしようめいしよ")
    p = parse("りさいしようめいしよつてなにをもつていけばいいの", faq, proc)
    assert named_procedure(p, [faq, proc]) == proc.intent
    assert prefer(p, [faq, proc]) == proc.intent
    # with class words the FAQ is the classes' question
    classes = Scored("classes", 88.0, "こうざ")
    assert named_procedure(p, [faq, proc, classes]) is None
    # a procedure only resembling the message names nothing
    vague = Scored("proc:disaster-victim-certificate", 91.2, "りさいしようめい")
    assert named_procedure(parse("りさいのしようめいはなにをもつていけばいいの", faq, vague), [faq, vague]) is None


def test_a_class_match_far_ahead_of_an_faq_looks_for_classes():
    classes = Scored("classes", 96.0, "where can i learn")
    courses = Scored("faq:courses", 78.2, "what can i learn")
    assert prefer(parse("where can i learn smartphone", classes, courses, lang="en"), [classes, courses]) is None
    near = Scored("faq:courses", 92.0, "what can i learn")
    assert prefer(parse("where can i learn smartphone", classes, near, lang="en"), [classes, near]) == "faq:courses"
