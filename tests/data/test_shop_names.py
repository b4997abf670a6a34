"""A shop named by the words of its own name: carrier, place and generic words are not its own."""

from bot.data.schema import Shop
from bot.data.shop_names import ShopNames, own_words
from bot.understanding.normalize import fold


def _shop(n: int, name: str, carrier: str, city: str) -> Shop:
    fields = {"id": f"shop-{n}", "name": name, "name_en": name, "carrier": carrier, "kind": "shop"}
    return Shop.model_validate(
        fields | {"municipality": city, "address": f"{city}1-1", "phone": "083-000-0000", "holds_classes": True}
    )


NAMES = ShopNames({"softbank": ["ソフトバンク", "softbank"], "docomo": ["ドコモ"]}, {"下関市": ["下関市", "下関"]})
YAMANOTA = _shop(1, "ソフトバンク下関山の田", "softbank", "下関市")
YUME = _shop(2, "ソフトバンクゆめタウン長府", "softbank", "下関市")
RIPIE = _shop(3, "ドコモショップリピエ下関駅ビル店", "docomo", "下関市")


def named(text: str) -> list[str]:
    return [s.name for s in NAMES.named([YAMANOTA, YUME, RIPIE], fold(text, keep_katakana=True))]


def test_own_words_drop_the_carrier_the_place_and_generic_words():
    assert own_words("ソフトバンク下関山の田", ["ソフトバンク", "下関"]) == "山の田"
    assert NAMES.words(RIPIE) == "リピエ"


def test_a_piece_of_the_own_words_names_the_shop():
    assert named("山の田のソフトバンクの電話番号") == [YAMANOTA.name]
    assert named("ゆめタウンの方は？") == [YUME.name]
    assert named("リピエの中のドコモ") == [RIPIE.name]


def test_carrier_place_and_shop_words_name_no_shop():
    assert named("下関のソフトバンクショップ") == []
    assert named("駅前のドコモショップの電話番号") == []
    assert named("たのしい教室") == []  # kana pieces need three characters
