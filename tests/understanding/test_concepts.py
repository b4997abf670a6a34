"""Concepts of a message: words, dialect, kana, English, typos only where the word is unknown."""

import pytest

from bot.data.concept_schema import ConceptFile
from bot.understanding.concepts import ConceptIndex
from bot.understanding.morphology import english_words, shared_analyser


@pytest.fixture(scope="module")
def index(knowledge):
    return ConceptIndex(knowledge.concepts, shared_analyser())


def concepts(index, text):
    return index.find(shared_analyser().words(text)).direct


@pytest.mark.parametrize(
    "text, concept",
    [
        ("孫が生まれたんじゃけど", "birth"),
        ("台風で屋根が飛んだ", "disaster"),
        ("母が寝たきりになってしもうた", "care"),
        ("手すりをつけたい", "home_modification"),
        ("引越しするんやけど", "move"),
        ("車いすを買った", "welfare_equipment"),
        ("娘がおめでたでね", "pregnancy"),
        ("かいごのことで", "care"),  # typed in kana: found in the reading
    ],
)
def test_what_happened_is_a_concept(index, text, concept):
    assert concept in concepts(index, text)


def test_broader_concepts_come_along(index):
    found = index.find(shared_analyser().words("児童手当の申請"))
    assert {"child_allowance", "allowance", "child"} <= found.concepts


def test_an_aspect_is_found_as_an_aspect(index):
    found = index.find(shared_analyser().words("何がいるんかね"))
    assert found.aspects == {"prepare"}
    assert not found.topics


def test_a_phrase_matches_whatever_its_particle_is_read_as(index):
    # 「家で」 alone reads で as the copula; inside a sentence it is the particle.
    assert "aspect_online" in concepts(index, "家で診てもらえる方法は")


def test_one_kanji_stands_for_itself(index):
    # UniDic's lemma of 歳 is 年; 「1年に」 is no age.
    assert "age" in concepts(index, "90歳でも")
    assert "age" not in concepts(index, "1年にいくらまで")


def test_a_number_before_an_age_word_is_an_age(index):
    assert "age" in concepts(index, "八十過ぎでも大丈夫かね")
    assert "age" in concepts(index, "70代ですが")
    assert "age" not in concepts(index, "10時過ぎに行きます")


def test_a_phrase_may_hold_a_noun_of_no_topic(index):
    assert "notify" in concepts(index, "案内を毎回送ってほしい")
    assert "notify" in concepts(index, "情報を、今後も届けていただけますか")


def test_a_phrase_may_hold_the_means_it_is_done_by(index):
    assert "notify" in concepts(index, "新しい日程が出たら、LINEで教えてもらえる？")
    assert "notify" in concepts(index, "案内をメールで送ってほしい")


def test_a_phrase_may_hold_something(index):
    assert "status_report" in concepts(index, "毎年何か出すんかね")


def test_care_and_its_level_change_are_both_said(index):
    assert {"care", "level_change"} <= concepts(index, "父の介護度が上がりそうなんじゃけど")
    assert {"care", "level_change"} <= concepts(index, "要介護度が上がった")


def test_forgetting_said_of_oneself_is_no_delete(index):
    found = index.find(shared_analyser().words(""), english_words("I forget how to open the app"))
    assert "delete" not in found.direct and "hearing" in found.direct
    assert "delete" in index.find((), english_words("forget me")).direct


def test_a_kana_form_is_never_cut_out_of_a_kanji_word(index):
    # ばかり + 最初 reads ばかりさいしょ, which holds りさい (罹災) across the two words.
    assert "disaster" not in concepts(index, "買ったばかり。最初に知っておきたい")
    assert "disaster" in concepts(index, "りさいしょうめいしょ ほしい")


def test_english_words_and_phrases(index):
    assert "pregnancy" in index.find((), english_words("my wife is expecting")).direct
    assert "tax" in index.find((), english_words("tax return on my phone")).direct


def test_a_known_word_is_never_a_typo_of_another(index):
    found = index.find(shared_analyser().words("証明書がいる"))
    assert "eligibility_end" not in found.direct  # しょうめい is not しょうめつ (消滅)


def test_a_word_in_two_concepts_needs_one_broader(knowledge):
    data = knowledge.concepts.model_dump()
    data["concepts"][0]["ja"].append("介護")
    index = ConceptIndex(ConceptFile.model_validate(data), shared_analyser())
    assert any("介護" in msg and "pregnancy" in msg for _, msg in index.conflicts)


def test_the_bundled_concepts_have_no_conflicts(index):
    assert index.conflicts == []


def test_a_western_negative_is_the_negative_of_a_phrase(index):
    # 山口弁 歩けん reads 歩く + ず; the concept's 歩けない is 歩く + ない.
    assert "care" in concepts(index, "父が急に歩けんようになった")
    assert "remote" in concepts(index, "病院に行けんのよ")


def test_a_wrong_kanji_in_a_long_concept_word_is_a_typo_of_it(index):
    # 確定申国 reads 確定 + 申 + 国: together one kanji off 確定申告.
    assert "tax" in concepts(index, "確定申国をスマホでしたい")
    assert "tax" not in concepts(index, "確定した申し込み")


def test_a_concept_glued_before_a_noun_no_concept_claims_only_modifies_it(index):
    found = index.find(shared_analyser().words("介護タクシーを呼びたい"))
    assert found.modifiers == {"care"}
    assert not index.find(shared_analyser().words("母の介護のことで相談したい")).modifiers
    # Said again on its own, the concept is the message's.
    assert not index.find(shared_analyser().words("介護施設の介護のこと")).modifiers
