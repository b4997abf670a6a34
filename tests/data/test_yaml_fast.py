"""``bot.data.yaml_fast``: the plain subset read fast, the same data as PyYAML, or None."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.data.yaml_fast import load_plain

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = sorted([*ROOT.glob("knowledge/*.yaml"), ROOT / "shops.yaml", *ROOT.glob("tests/conversations/*.yaml")])

LISTING = """\
# a comment
as_of: 2021-07-27
source: 'seed ''資料5'''
shops:
- id: docomo-a   # an indentless sequence, as yaml.dump writes it
  carrier: docomo
  phone_label: {ja: フリーダイヤル, en: "Toll-free"}
  hours: null
  holds_classes: true
  coordinates:
    lat: 34.05
    lon: 131.2
  aliases: [a, 'b c', "d"]
  empty: []
  none:
-   id: au-b
    url: https://example.jp/a#b
    count: 12
    note: 'x: y'
"""


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_the_data_files_read_as_pyyaml_reads_them(path):
    text = path.read_text(encoding="utf-8-sig")
    fast = load_plain(text)
    assert fast is None or fast == yaml.safe_load(text)


def test_most_data_files_are_in_the_plain_subset():
    plain = [p for p in DATA_FILES if load_plain(p.read_text(encoding="utf-8-sig")) is not None]
    assert ROOT / "shops.yaml" in plain and len(plain) >= len(DATA_FILES) - 4


def test_a_listing_in_the_subset():
    data = load_plain(LISTING)
    assert data == yaml.safe_load(LISTING)
    assert data["as_of"] == date(2021, 7, 27) and data["source"] == "seed '資料5'"
    assert data["shops"][0]["coordinates"] == {"lat": 34.05, "lon": 131.2} and data["shops"][0]["none"] is None
    assert data["shops"][1]["url"] == "https://example.jp/a#b"


def test_repeated_scalars_are_one_object():
    data = load_plain("a:\n- kind: shop\n- kind: shop\n")
    assert data["a"][0]["kind"] is data["a"][1]["kind"]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key: PyYAML's path names its line
        "a: x\n  y\n",  # a plain scalar over two lines
        "a: |\n  text\n",  # a block scalar
        "a: &x 1\nb: *x\n",  # anchors
        'a: "tab\\there"\n',  # escapes
        "a: b: c\n",  # invalid
        "a:\n  - 1\n - 2\n",  # bad indentation
        "a: 2021-02-30\n",  # an impossible date
        "--- \na: 1\n",
        "a: {b: [1, 2]}\n",  # nested flow
        "yes: 1\n",  # a key PyYAML reads as a boolean
        "a: 'unclosed\n",
        "a: \x07\n",
        "",
    ],
)
def test_anything_beyond_the_subset_is_left_to_pyyaml(text):
    assert load_plain(text) is None


def test_decoding_in_pieces_is_decoding(monkeypatch):
    import bot.data.yaml_fast as yaml_fast

    monkeypatch.setattr(yaml_fast, "PIECE", 7)
    text = "a: 窓口\nb: まどぐち\n" * 20
    assert yaml_fast.decode(("\ufeff" + text).encode()) == text
    assert yaml_fast.load_plain(text + "c: \x07\n") is None  # found in a later piece
