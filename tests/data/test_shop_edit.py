"""Editing the shop listing in its own text: fields set in place (comments kept), the whole
text checked by the live reload's validator with Japanese messages by line and field, an
atomic replace, and what changed."""

from __future__ import annotations

import shutil

import pytest

from bot import config
from bot.data.shop_edit import FormError, changes, check_text, japanese, replace_atomically, set_fields
from bot.data.shops import load_shops


@pytest.fixture
def listing(tmp_path):
    path = tmp_path / "shops.yaml"
    shutil.copy(config.shops_file(), path)
    return path


def test_a_field_is_set_in_place_and_the_rest_of_the_file_is_kept(listing, knowledge):
    before = listing.read_text(encoding="utf-8")
    after = set_fields(before, listing, 1, {"phone": "0836-99-1234", "holds_classes": False})
    diff = [(a, b) for a, b in zip(before.split("\n"), after.split("\n")) if a != b]
    assert [b.strip() for _, b in diff] == ['phone: "0836-99-1234"', "holds_classes: false"]
    directory, problems = check_text(after, listing, knowledge.municipalities.municipalities)
    assert problems == [] and directory.listing.shops[1].phone == "0836-99-1234"
    old = load_shops(listing, knowledge.municipalities.municipalities)
    assert changes(old.listing.shops, directory.listing.shops) == [
        f"{old.listing.shops[1].id}.phone: {old.listing.shops[1].phone} → 0836-99-1234",
        f"{old.listing.shops[1].id}.holds_classes: はい → いいえ",
    ]
    replace_atomically(listing, after)
    assert listing.read_text(encoding="utf-8") == after and not list(listing.parent.glob(".shops-*"))


def test_problems_name_the_line_and_field_in_japanese(listing, knowledge):
    text = set_fields(listing.read_text(encoding="utf-8"), listing, 1, {"phone": "0836-12", "municipality": "東京都"})
    directory, problems = check_text(text, listing, knowledge.municipalities.municipalities)
    assert directory is None
    (phone,) = [p for p in problems if p.field == "shops[1].phone"]
    assert phone.shop_field == (1, "phone") and phone.message.startswith("電話番号の形ではありません")
    assert text.split("\n")[phone.line - 1].strip() == 'phone: "0836-12"'
    broken, problems = check_text("shops: [", listing, knowledge.municipalities.municipalities)
    assert broken is None and problems and not list(listing.parent.glob(".shops-*"))


def test_only_the_form_fields_and_only_single_lines(listing):
    with pytest.raises(FormError):
        set_fields(listing.read_text(encoding="utf-8"), listing, 0, {"coordinates": "x"})


def test_japanese_keeps_what_it_does_not_know():
    assert japanese("Field required") == "この項目が必要です"
    assert japanese("something new") == "something new"
