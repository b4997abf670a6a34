"""Schemas: a broken shop listing is refused naming file, line and field; the bundled data loads."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot import config
from bot.data.schema import ShopFile, validate_file
from bot.data.shops import load_shops
from bot.data.yaml_lines import DataError

# A small valid listing; each variant below breaks one thing in it.
LISTING = """\
# test listing
as_of: "2021-07-27"
source: "test"
shops:
  - id: docomo-a
    carrier: docomo
    kind: shop
    name: ドコモショップA店
    name_en: docomo Shop A
    municipality: 宇部市
    address: 宇部市明神町1-1
    phone: "0120-111-111"
    phone_label: {ja: フリーダイヤル, en: Toll-free}
    holds_classes: true

  - id: au-b
    carrier: au
    kind: shop
    name: auショップB
    name_en: au Shop B
    municipality: 防府市
    address: 防府市駅南町1-1
    phone: "0835-22-2222"
    holds_classes: true

  - id: softbank-c
    carrier: softbank
    kind: shop
    name: ソフトバンクC
    name_en: SoftBank C
    municipality: 光市
    address: 光市中央1-1
    phone: "0833-33-3333"
    holds_classes: true

  - id: rakuten-desk
    carrier: rakuten
    kind: phone_desk
    name: 楽天デスク
    name_en: Rakuten desk
    phone: "0120-444-444"
    holds_classes: false
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not in the text"
    return hits[nth - 1]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def refused(tmp_path, knowledge, text: str, encoding: str = "utf-8") -> tuple[Path, list[str]]:
    path = tmp_path / "shops.yaml"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(DataError) as exc:
        load_shops(path, knowledge.municipalities.municipalities)
    assert exc.value.problems
    assert str(exc.value) == "\n".join(exc.value.problems)
    return path, exc.value.problems


def test_the_test_listing_is_valid(tmp_path, knowledge):
    path = tmp_path / "shops.yaml"
    path.write_text(LISTING, encoding="utf-8")
    directory = load_shops(path, knowledge.municipalities.municipalities)
    assert [s.id for s in directory.listing.shops] == ["docomo-a", "au-b", "softbank-c", "rakuten-desk"]
    assert directory.listing.shops[0].phone_label.en == "Toll-free"


def test_missing_phone_names_the_entry_line_and_field(tmp_path, knowledge):
    text = replace_once(LISTING, '    phone: "0833-33-3333"\n', "")
    path, problems = refused(tmp_path, knowledge, text)
    assert problems == [f"{path}:{line_of(text, 'id: softbank-c')}: shops[2].phone: Field required"]


def test_bad_phone_format(tmp_path, knowledge):
    text = replace_once(LISTING, '"0833-33-3333"', '"0833 33 3333"')
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, '0833 33 3333')}: shops[2].phone: ")
    assert "'0833 33 3333'" in problems[0]


def test_phone_written_as_a_number(tmp_path, knowledge):
    # Unquoted digits are a YAML integer: refused, not silently stringified.
    text = replace_once(LISTING, '"0835-22-2222"', "835222222")
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, '835222222')}: shops[1].phone: ")


def test_every_bad_phone_is_reported_at_once(tmp_path, knowledge):
    text = replace_once(LISTING, '"0120-111-111"', '"12345"')
    text = replace_once(text, '"0833-33-3333"', '"phone"')
    path, problems = refused(tmp_path, knowledge, text)
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{path}:{line_of(text, '12345')}", "shops[0].phone"],
        [f"{path}:{line_of(text, 'phone: ' + chr(34) + 'phone')}", "shops[2].phone"],
    ]


def test_unknown_carrier(tmp_path, knowledge):
    text = replace_once(LISTING, "    carrier: au\n", "    carrier: ahamo\n")
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'carrier: ahamo')}: shops[1].carrier: ")
    assert "docomo" in problems[0]  # says what is allowed


def test_duplicate_id(tmp_path, knowledge):
    text = replace_once(LISTING, "id: softbank-c", "id: docomo-a")
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    # the second entry with that id, on its own line
    assert problems[0].startswith(f"{path}:{line_of(text, 'id: docomo-a', nth=2)}: shops[2]")
    assert "duplicate" in problems[0] and "'docomo-a'" in problems[0]


def test_duplicate_id_names_the_id_field_and_its_line(tmp_path, knowledge):
    # The same mistake in an entry whose first key is not ``id``.
    text = replace_once(
        LISTING,
        "  - id: softbank-c\n    carrier: softbank\n",
        "  - carrier: softbank\n    id: docomo-a\n",
    )
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'id: docomo-a', nth=2)}: shops[2].id: ")


def test_unknown_municipality(tmp_path, knowledge):
    text = replace_once(LISTING, "municipality: 防府市", "municipality: 防府町")
    path, problems = refused(tmp_path, knowledge, text)
    assert problems == [f"{path}:{line_of(text, '防府町')}: shops[1].municipality: unknown municipality '防府町'"]


def test_duplicate_key(tmp_path, knowledge):
    text = replace_once(LISTING, "    name_en: SoftBank C\n", "    name_en: SoftBank C\n    name_en: SoftBank D\n")
    path, problems = refused(tmp_path, knowledge, text)
    assert problems == [f"{path}:{line_of(text, 'SoftBank D')}: shops[2].name_en: duplicate key"]


def test_misspelt_field(tmp_path, knowledge):
    text = replace_once(LISTING, '    phone: "0835-22-2222"\n', '    phone: "0835-22-2222"\n    hoursx: 10-18\n')
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'hoursx')}: shops[1].hoursx: ")


def test_a_shop_needs_an_address(tmp_path, knowledge):
    text = replace_once(LISTING, "    address: 防府市駅南町1-1\n", "")
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'id: au-b')}: shops[1]: ")
    assert "address" in problems[0]


def test_yaml_syntax_error(tmp_path, knowledge):
    text = replace_once(LISTING, "    name: auショップB\n", "    name: auショップ: B\n")
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'auショップ: B')}: YAML syntax error")


@pytest.mark.parametrize("text", ["", "# nothing yet\n"], ids=["empty", "comment-only"])
def test_empty_file(tmp_path, knowledge, text):
    path, problems = refused(tmp_path, knowledge, text)
    assert problems == [f"{path}:1: the file is empty"]


def test_not_utf8(tmp_path, knowledge):
    path, problems = refused(tmp_path, knowledge, LISTING, encoding="cp932")
    assert len(problems) == 1
    assert problems[0].startswith(str(path)) and "UTF-8" in problems[0]


def test_no_shops(tmp_path, knowledge):
    text = LISTING.split("shops:")[0] + "shops: []\n"
    path, problems = refused(tmp_path, knowledge, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(text, 'shops: []')}: shops: ")


def test_a_list_instead_of_a_mapping(tmp_path, knowledge):
    path, problems = refused(tmp_path, knowledge, "- id: a\n- id: b\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:1: (top): ")


# --- the bundled data ---------------------------------------------------------------


def test_bundled_shops_load(knowledge):
    listing = validate_file(ShopFile, config.shops_file())
    shops = listing.shops
    assert len(shops) == 22
    assert Counter(s.carrier for s in shops) == {"docomo": 9, "au": 4, "softbank": 8, "rakuten": 1}
    desks = [s for s in shops if s.kind == "phone_desk"]
    assert [(d.carrier, d.phone) for d in desks] == [("rakuten", "0120-169-429")]
    assert all(s.kind == "shop" and s.holds_classes for s in shops if s.carrier != "rakuten")
    names = {m.name for m in knowledge.municipalities.municipalities}
    assert all(s.municipality in names for s in shops if s.kind == "shop")
    assert len({s.id for s in shops}) == 22
    assert listing.as_of == "2021-07-27"


def test_bundled_municipalities(knowledge):
    munis = knowledge.municipalities.municipalities
    assert len(munis) == 19
    assert sum(m.name.endswith("市") for m in munis) == 13
    assert sum(m.name.endswith("町") for m in munis) == 6
    assert {"下関市", "山陽小野田市", "周防大島町", "阿武町"} <= {m.name for m in munis}
    assert knowledge.municipalities.prefecture.name == "山口県"


FACTS = config.ROOT.parent / "shared" / "facts" / "procedures-26.md"


def test_bundled_procedures_are_the_26_the_seeds_five_and_mynumber_health_insurance(knowledge):
    procs = knowledge.procedures.procedures
    assert len(procs) == 32
    cats = Counter(p.category for p in procs)
    assert cats["child_rearing"] == 15 and cats["nursing_care"] == 11
    assert len({p.id for p in procs}) == 32
    others = {p.name for p in procs if p.category not in ("child_rearing", "nursing_care")}
    assert any("罹災証明書" in n for n in others)
    assert any("転出届" in n for n in others)
    assert any("マイナ保険証" in n for n in others)


@pytest.mark.skipif(not FACTS.exists(), reason="shared/facts is not beside the repository")
def test_the_26_names_are_the_official_ones(knowledge):
    facts = FACTS.read_text(encoding="utf-8")
    child_part, rest = facts.split("## 介護関係")
    care_part = rest.split("## Also in scope")[0]
    official_child = re.findall(r"^\d+\. (.+?)\s*$", child_part, re.M)
    official_care = re.findall(r"^\d+\. (.+?)\s*$", care_part, re.M)
    assert (len(official_child), len(official_care)) == (15, 11)
    procs = knowledge.procedures.procedures
    assert sorted(p.name for p in procs if p.category == "child_rearing") == sorted(official_child)
    assert sorted(p.name for p in procs if p.category == "nursing_care") == sorted(official_care)
