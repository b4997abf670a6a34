"""The shop directory: shops in a city, by carrier, nearest to a city without a shop or to a point."""

from __future__ import annotations

import pytest

from bot import config
from bot.data.geo import distance_km, map_url
from bot.data.shops import load_shops


@pytest.fixture(scope="module")
def shops(knowledge):
    return load_shops(config.shops_file(), knowledge.municipalities.municipalities)


UBE = {"docomo-fujigrand-ube", "au-ube-tokiwa-dori", "au-fujigrand-ube", "softbank-fujigrand-ube"}


def test_in_city(shops):
    ube = shops.in_city("宇部市")
    assert {s.id for s in ube} == UBE
    assert all(s.municipality == "宇部市" for s in ube)
    assert {s.phone for s in ube} == {"0120-173-053", "0800-700-2472", "0800-700-2497", "0836-36-2253"}


def test_in_city_with_a_carrier(shops):
    assert {s.id for s in shops.in_city("宇部市", "au")} == {"au-ube-tokiwa-dori", "au-fujigrand-ube"}
    assert [s.phone for s in shops.in_city("防府市", "docomo")] == ["0120-244-902"]
    assert shops.in_city("山口市", "au") == []


def test_a_city_without_a_shop_and_an_unknown_name(shops):
    assert shops.in_city("柳井市") == []
    assert shops.in_city("東京都") == []


def test_the_phone_desk_is_not_a_shop_in_a_city(shops):
    desks = shops.desks()
    assert [d.id for d in desks] == ["rakuten-senior-support-desk"]
    assert shops.desks("docomo") == []
    assert shops.has_carrier("rakuten") and not shops.has_carrier("ymobile")
    for m in ("下関市", "宇部市", "山口市", "防府市", "周南市"):
        assert all(s.kind == "shop" for s in shops.in_city(m))


def test_nearest_to_a_city_without_a_shop(shops):
    near = shops.nearest_to_city("柳井市")
    assert len(near) == 3
    # 光市 is the neighbour with shops: both of its shops come first.
    assert [n.shop.municipality for n in near[:2]] == ["光市", "光市"]
    assert {n.shop.id for n in near[:2]} == {"docomo-hikari", "softbank-aeon-hikari"}
    assert near[2].shop.municipality != "光市"
    assert [n.km for n in near] == sorted(n.km for n in near)
    assert all(n.approximate for n in near)  # no verified coordinates in the listing yet
    assert 5 < near[0].km < 40


def test_nearest_to_a_city_with_a_carrier_and_a_limit(shops):
    near = shops.nearest_to_city("柳井市", "softbank", limit=2)
    assert [n.shop.carrier for n in near] == ["softbank", "softbank"]
    assert near[0].shop.id == "softbank-aeon-hikari"
    assert len(shops.nearest_to_city("柳井市", limit=10)) == 10


def test_nearest_to_a_city_excludes_the_city_itself(shops):
    near = shops.nearest_to_city("宇部市", limit=20)
    assert near and all(n.shop.municipality != "宇部市" for n in near)
    assert len(near) == 21 - len(UBE)


def test_nearest_to_an_unknown_city(shops):
    assert shops.nearest_to_city("東京都") == ()


def test_nearest_to_a_point(shops, knowledge):
    office = knowledge.municipality("防府市").office
    near = shops.nearest(office.lat, office.lon)
    assert len(near) == 3
    assert {n.shop.municipality for n in near} == {"防府市"}
    assert "docomo-hofu" in {n.shop.id for n in near}
    near_au = shops.nearest(office.lat, office.lon, carrier="au", limit=5)
    assert near_au and all(n.shop.carrier == "au" for n in near_au)
    assert [n.km for n in near_au] == sorted(n.km for n in near_au)
    # Hagi: the au shop there, then the one in Nagato
    hagi = knowledge.municipality("萩市").office
    assert [n.shop.id for n in shops.nearest(hagi.lat, hagi.lon, limit=2)] == [
        "au-hagi-bus-center-mae",
        "au-nagato-eki-minami",
    ]


def test_desks_are_never_nearest(shops):
    assert all(n.shop.kind == "shop" for n in shops.nearest(34.0, 131.5, limit=100))
    assert len(shops.nearest(34.0, 131.5, limit=100)) == 21


def test_verified_coordinates_are_used(tmp_path, knowledge):
    path = tmp_path / "shops.yaml"
    path.write_text(
        """\
as_of: "2021-07-27"
source: test
shops:
  - id: docomo-a
    carrier: docomo
    kind: shop
    name: A
    name_en: A
    municipality: 宇部市
    address: 宇部市1
    phone: "0120-111-111"
    holds_classes: true
    coordinates: {lat: 34.0, lon: 131.0, precision: verified}
  - id: docomo-b
    carrier: docomo
    kind: shop
    name: B
    name_en: B
    municipality: 宇部市
    address: 宇部市2
    phone: "0120-222-222"
    holds_classes: true
""",
        encoding="utf-8",
    )
    shops = load_shops(path, knowledge.municipalities.municipalities)
    near = shops.nearest(34.0, 131.0)
    assert near[0].shop.id == "docomo-a" and near[0].km < 0.01 and near[0].approximate is False
    assert near[1].shop.id == "docomo-b" and near[1].approximate is True  # at the city office
    ube = knowledge.municipality("宇部市").office
    assert near[1].km == pytest.approx(distance_km(34.0, 131.0, ube.lat, ube.lon))


def test_distance_and_map_url():
    # Shimonoseki station to Yamaguchi station: about 56 km as the crow flies
    assert distance_km(33.9497, 130.9225, 34.1733, 131.4783) == pytest.approx(56, abs=5)
    assert distance_km(34.0, 131.0, 34.0, 131.0) == 0
    url = map_url("山口県防府市駅南町9-43")
    assert url.startswith("https://www.google.com/maps/search/?api=1&query=")
    assert "%E9%98%B2%E5%BA%9C" in url and " " not in url  # 防府, encoded
