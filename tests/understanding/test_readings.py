"""The reading lexicon: words read in their sentences, inflected words as the analyser reads
them (触ら さわら, not pykakasi's ふら), kanji runs with their part of the word's reading."""

from bot.understanding.readings import LEXICON_FILE, ReadingLexicon, build_lexicon


def test_an_inflected_word_is_read_as_the_analyser_reads_it():
    entries = build_lexicon(["らくらくスマートフォンを触ってみよう", "スマホを触らないで", "高いスマホを買うたんよ"])
    assert entries["触ら"] == "さわら"
    assert entries["触"] == "さわ"  # its kanji alone: its part of the word's reading, not しょく
    assert entries["買う"] == "かう"  # the dictionary's form, though 山口弁 says こうた


def test_the_kanji_of_an_inflected_word_take_their_part_of_its_reading():
    entries = build_lexicon(["一回で覚えられない", "教室に申し込みたい"])
    assert entries["覚"] == "おぼ"
    assert entries["申"] == "もう"


def test_compounds_keep_their_own_reading():
    entries = build_lexicon(["保険証をなくした", "罹災証明書がほしい"])
    assert entries["保険証"] == "ほけんしよう"
    assert entries["罹災"] + entries["証明書"] == "りさいしようめいしよ"


def test_the_bundled_lexicon_reads_kana_typed_verbs_like_their_kanji(knowledge):
    lexicon = ReadingLexicon.load(knowledge.directory / LEXICON_FILE)
    assert lexicon.reading("触らない") == "さわらない"
    assert lexicon.reading("覚えられん") == "おぼえられん"
