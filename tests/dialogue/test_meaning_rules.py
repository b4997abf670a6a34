"""The meaning rules on a parse: aspects of the last procedure, life events, requests, worries."""

from datetime import date

import pytest

from bot.dialogue import meaning_rules as rules
from bot.understanding.intents import Scored

TODAY = date(2026, 11, 26)


@pytest.fixture
def parse(understanding):
    return lambda text: understanding.parse(text, TODAY)


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("何がいる？", "prepare"),
        ("いつまでに？", "deadline"),
        ("どこで？", "where"),
        ("お金は？", "cost"),
        ("スマホでできる？", "online"),
    ],
)
def test_an_aspect_asked_of_the_last_procedure(parse, text, aspect):
    assert rules.asked_aspect(parse(text), {"disaster", "damage"}) == aspect


def test_no_aspect_with_a_new_topic_or_place(parse):
    assert rules.asked_aspect(parse("介護認定には何がいる？"), {"disaster"}) is None
    assert rules.asked_aspect(parse("宇部では何がいる？"), {"disaster"}) is None


def test_a_place_alone_after_a_procedure_asks_where(parse):
    assert rules.asked_aspect(parse("うちは萩です"), {"care"}) == "where"


def test_a_confident_match_is_not_second_guessed_by_a_life_event(parse):
    p = parse("孫が生まれた")
    assert rules.life_event(p, None).id == "birth"
    assert rules.life_event(p, Scored("proc:child-allowance-certification", 100.0, "x")) is None
    assert rules.life_event(p, Scored("faq:free", 100.0, "x")).id == "birth"  # the FAQ is about the classes


def test_a_class_on_the_topic_is_no_life_event(parse):
    assert rules.life_event(parse("オンライン診療の講座は宇部にある？"), None) is None


@pytest.mark.parametrize(
    "text, intent",
    [
        ("宇部の教室の案内が来るようにして", "subscribe"),
        ("もう連絡はいらん", "unsubscribe"),
        ("登録したものを全部消して", "forget"),
        ("send me news of classes in Hofu", "subscribe"),
        ("登録の確認", "subscriptions"),
        ("forget my data", "forget"),
        ("Please forget everything you know about me", "forget"),
    ],
)
def test_requests_in_plain_words(parse, text, intent):
    assert rules.requested(parse(text)) == intent


@pytest.mark.parametrize(
    "text",
    [
        "I forget how to open the app",
        "I forgot my password",
        "I always forget the information from the class",
        "I keep forgetting my personal data plan",
    ],
)
def test_forgetting_said_of_oneself_is_no_request_to_delete(parse, text):
    assert rules.requested(parse(text)) is None


def test_a_procedure_is_no_request(parse):
    assert rules.requested(parse("妊娠の届出を出したい")) is None


def test_worries_are_the_faq_that_declares_them(parse, knowledge):
    declared = {f"faq:{f.id}": set(f.concepts) for f in knowledge.programme.faq if f.concepts}
    assert rules.worry(parse("何か売りつけられたりしない？"), declared) == "faq:no_sales"
    assert rules.worry(parse("外国人でも参加できますか"), declared) == "faq:anyone"
    assert (
        rules.worry(parse("防府で年寄りでもわかるスマホ教室はあるかね"), declared) is None
    )  # looking for a class there


def test_a_neutral_worry_is_the_classes_only_beside_them(parse, knowledge, understanding):
    declared = {f"faq:{f.id}": set(f.concepts) for f in knowledge.programme.faq if f.concepts}
    neutral = understanding.meaning.index.neutral
    asked = parse("父がスマホ教室に行きたいと言っちょるんじゃけど、耳が遠いんよ。大丈夫かね")
    assert rules.worry(asked, declared, neutral=neutral) == "faq:anyone"
    assert rules.worry(parse("耳が遠いので電話は無理なんです"), declared, neutral=neutral) is None


def test_the_procedures_that_declare_what_the_message_names(parse, knowledge):
    declared = {f"proc:{p.id}": set(p.concepts) for p in knowledge.procedures.procedures}
    fits = rules.declared_match(parse("給食費を児童手当から引いてもらいたい"), declared)
    assert fits == ["proc:child-allowance-school-fee-collection"]  # fewest concepts not named: not its change
    fits = rules.declared_match(parse("児童手当から給食費を払ってもらってるけど、それをやめたい"), declared)
    assert fits == ["proc:child-allowance-school-fee-collection-change"]
    assert rules.declared_match(parse("児童手当"), declared) == []  # one concept singles out nothing


def test_retrieval_answers_only_what_holds_the_message(parse):
    assert rules.retrieved(parse("天気を教えて")) == []
