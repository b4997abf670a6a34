"""The language registry: codes, the fallback chain, the script a message is written in, the
language a reply is in, and texts as mappings that fall back along the chain."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot import languages
from bot.data.schema import Text


def test_the_three_languages_and_their_chains():
    assert languages.codes() == ("ja", "en", "ja-easy")
    assert languages.chain("ja-easy") == ("ja-easy", "ja")
    assert languages.chain("en") == ("en", "ja")
    assert languages.chain("ja") == ("ja",)


def test_a_chain_is_worked_out_once_per_code():
    """Every text of every reply asks for its chain: it is kept, the same tuple each time."""
    assert languages.chain("ja-easy") is languages.chain("ja-easy")


def test_a_text_without_a_form_of_its_own_reads_japanese_whatever_the_code():
    text = Text(ja="こんにちは", en="Hello")
    assert [text.get(code) for code in ("en", "ja-easy", "ja", None, "fr")] == ["Hello", *["こんにちは"] * 4]


@pytest.mark.parametrize("code", [None, "", "fr", ["ja"], 3])
def test_an_unknown_or_damaged_code_is_japanese(code):
    assert not languages.known(code)
    assert languages.get(code).code == "ja"
    assert languages.chain(code if isinstance(code, str) else None) == ("ja",)


def test_only_english_is_written_in_latin_letters():
    assert languages.is_latin("en")
    assert not languages.is_latin("ja") and not languages.is_latin("ja-easy")
    assert not languages.is_latin(None) and not languages.is_latin("fr")


@pytest.mark.parametrize(
    "detected, current, answer",
    [
        ("ja", "ja-easy", "ja-easy"),  # a Japanese message keeps a やさしい日本語 reader's language
        ("ja", "en", "ja"),
        ("en", "ja-easy", "en"),
        ("en", "en", "en"),
        (None, "ja-easy", "ja-easy"),  # a name or a number tells nothing
        (None, "fr", "ja"),
    ],
)
def test_the_language_of_a_reply(detected, current, answer):
    assert languages.answering(detected, current) == answer


def test_the_easy_japanese_guidelines_are_named():
    assert "やさしい日本語ガイドライン" in languages.get("ja-easy").source


def test_a_text_falls_back_along_the_chain():
    full = Text.model_validate({"ja": "メニュー", "en": "Menu", "ja-easy": "めにゅー"})
    assert [full.get(code) for code in ("ja", "en", "ja-easy", "fr", None)] == [
        "メニュー",
        "Menu",
        "めにゅー",
        "メニュー",
        "メニュー",
    ]
    japanese_only = Text.model_validate({"ja": "メニュー"})
    assert japanese_only.get("en") == japanese_only.get("ja-easy") == "メニュー"
    assert not japanese_only.written_in("ja-easy") and full.written_in("ja-easy")


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"en": "Menu"}, "ja\n  Field required"),
        ({"ja": "メニュー", "fr": "Menu"}, "'fr' is no language (known: ja, en, ja-easy)"),
        ({"ja": "メニュー", "ja-easy": ""}, "ja-easy\n  String should have at least 1 character"),
        ({"ja": "メニュー", "en": 3}, "en\n  Input should be a valid string"),
    ],
)
def test_a_bad_text_is_refused(data, problem):
    with pytest.raises(ValidationError) as exc:
        Text.model_validate(data)
    assert problem in str(exc.value)


def test_the_first_language_from_a_chat_apps_locale():
    assert languages.from_locale("ja") == languages.from_locale("ja-JP") == "ja"
    assert languages.from_locale("en-GB") == "en"
    assert languages.from_locale("pt_BR") == languages.from_locale("vi") == "en"  # no Portuguese: English reads easier
    assert languages.from_locale("en", uninformative=("en",)) is None  # many Japanese run Telegram in English
    assert languages.from_locale(None) is None and languages.from_locale("") is None
