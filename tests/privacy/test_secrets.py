"""Finding residents' secrets: a My Number by its check digit (総務省令 第五条), a PIN next to
暗証番号 or パスワード, insurance and card numbers — and leaving phone numbers, dates and
times alone, since they are what residents ask about."""

from __future__ import annotations

import pytest

from bot.privacy.secrets import MASK, is_my_number, mask, my_number_check_digit
from tests.support.secrets import MY_NUMBER


@pytest.mark.parametrize("number", ["123456789018", "493728165533", "805173264915"])
def test_valid_my_numbers(number):
    assert is_my_number(number)
    assert my_number_check_digit(number[:11]) == int(number[-1])


@pytest.mark.parametrize("number", ["123456789012", "493728165534", "12345678901", "1234567890180"])
def test_invalid_my_numbers(number):
    assert not is_my_number(number)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("私のマイナンバーは123456789018です", "my_number"),
        (f"番号は {MY_NUMBER} です", "my_number"),
        ("１２３４５６７８９０１８", "my_number"),  # 全角
        ("1234-5678-9018 で登録", "my_number"),
        ("暗証番号は1234です", "pin"),
        ("パスワード 123456 を忘れた", "pin"),
        ("my PIN is 4321", "pin"),
        ("the password is 654321", "pin"),
        ("保険証の番号は 12345678", "card"),
        ("被保険者番号 0123 4567 89", "card"),
        ("my card number is 4111 1111 1111 1111", "card"),
        ("4111111111111111", "card"),  # Luhn-valid: a payment card even without words
    ],
)
def test_secrets_are_masked(text, kind):
    masked, kinds = mask(text)
    assert kinds == [kind] and MASK in masked
    assert not any(run in masked for run in ("1234", "4321", "654321", "5678", "4111", "0123", "9018"))


@pytest.mark.parametrize(
    "text",
    [
        "0120-95-0178に電話したい",
        "宇部市の教室 2026年12月3日 10時30分",
        "12月5日の10時",
        "083-934-2745",
        "暗証番号を忘れました",
        "マイナンバーカードの申請",
        "Call 0120-95-0178",
        "定員は5人",
        "123456789012",
        "郵便番号 755-0029",
        "マイナ保険証は2024年12月2日から",
        "パスワードは2025年に変えました",
        "保険証の再発行は1000円ですか",
        "暗証番号は4桁ですか",
        "is my PIN 4 digits or 6 digits?",
    ],
)
def test_what_residents_ask_about_is_left_as_written(text):
    assert mask(text) == (text, [])
