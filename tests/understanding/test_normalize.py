"""Folding makes the ways people type meet."""

from bot.understanding.normalize import clean, fold, romaji_to_kana, squeeze


def test_half_width_katakana_and_hiragana_fold_to_one_form():
    assert fold("ｽﾏﾎ") == fold("スマホ") == fold("すまほ") == "すまほ"


def test_full_width_letters_and_case():
    assert fold("ＭＹＮＡ") == fold("myna") == "myna"


def test_small_kana_long_vowels_and_punctuation():
    assert fold("ショップ！") == fold("しよつぷ") == fold("シヨップ")
    assert fold("スーパー") == "すぱ"
    assert squeeze(fold("スマホ　教室。")) == "すまほ教室"


def test_katakana_kept_on_request_with_the_same_length():
    text = "ドコモ ショップ"
    assert fold(text, keep_katakana=True) == "ドコモ シヨツプ"
    assert len(fold(text, keep_katakana=True)) == len(fold(text))


def test_control_characters_removed():
    assert clean("宇部\x00の\x07ドコモ\u200b") == "宇部のドコモ"


def test_romaji_reads_as_kana():
    assert romaji_to_kana("sumaho kyoushitsu") == "すまほ きょうしつ"


def test_romaji_long_a_of_a_loanword_folds_like_the_katakana_long_vowel():
    assert romaji_to_kana("mainanbaa kaado") == fold("マイナンバー カード")
    assert romaji_to_kana("ube") == "うべ"
