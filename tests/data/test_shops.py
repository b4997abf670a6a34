"""The shop directory: shops in a city, by carrier, nearest to a city without a shop or to a point."""

from __future__ import annotations

import pytest

from bot import config
from bot.data.geo import distance_km, map_url
from bot.data.schema import ShopFile, validate_file
from bot.data.shops import load_shops
from bot.data.yaml_lines import DataError, load_with_lines


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


def _many_shops(tmp_path, count: int, bad: int | None = None):
    """The bundled listing plus ``count`` plain shops (one with a bad phone at index ``bad``)."""
    import yaml

    data = yaml.safe_load(config.shops_file().read_text(encoding="utf-8"))
    for n in range(count):
        data["shops"].append(
            {
                "id": f"au-many-{n}",
                "carrier": "au",
                "kind": "shop",
                "name": f"auショップ{n}",
                "name_en": f"au Shop {n}",
                "municipality": "宇部市",
                "address": f"宇部市{n}",
                "phone": "0836-00-0000" if n != bad else "12345",
                "holds_classes": True,
            }
        )
    path = tmp_path / "shops.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_large_listing_is_validated_in_pieces_as_a_whole(tmp_path, knowledge):
    from bot.data.shops import CHUNK

    path = _many_shops(tmp_path, 3 * CHUNK)
    directory = load_shops(path, knowledge.municipalities.municipalities)
    whole = validate_file(ShopFile, path)
    assert directory.listing == whole and len(directory) == len(whole.shops) > 3 * CHUNK


def test_a_bad_entry_in_a_later_piece_names_its_line(tmp_path, knowledge):
    from bot.data.shops import CHUNK

    path = _many_shops(tmp_path, 3 * CHUNK, bad=2 * CHUNK + 7)
    with pytest.raises(DataError) as exc:
        load_shops(path, knowledge.municipalities.municipalities)
    index = len(load_with_lines(path)[0]["shops"]) - 3 * CHUNK + 2 * CHUNK + 7
    line = load_with_lines(path)[1][("shops", index, "phone")]
    assert f"{path}:{line}: shops[{index}].phone" in str(exc.value)


def test_a_duplicate_id_across_pieces_is_refused(tmp_path, knowledge):
    from bot.data.shops import CHUNK

    path = _many_shops(tmp_path, 2 * CHUNK)
    path.write_text(path.read_text(encoding="utf-8").replace("au-many-1\n", "au-many-0\n"), encoding="utf-8")
    with pytest.raises(DataError, match="duplicate shop id 'au-many-0'"):
        load_shops(path, knowledge.municipalities.municipalities)


def test_cities_per_carrier_are_made_with_the_directory(shops):
    assert "宇部市" in shops.cities() and "宇部市" in shops.cities("docomo")
    assert all(shops.in_city(c, "au") for c in shops.cities("au"))
    assert shops.cities("rakuten") == ()


def test_a_dismantled_directory_holds_nothing(tmp_path, knowledge):
    import gc
    import weakref

    directory = load_shops(_many_shops(tmp_path, 50), knowledge.municipalities.municipalities)
    shop = weakref.ref(directory.listing.shops[-1])
    directory.dismantle(piece=7)
    gc.collect()
    assert shop() is None and len(directory) == 0 and directory.in_city("宇部市") == []


def test_a_directory_built_in_steps_answers_as_one_built_at_once(tmp_path, knowledge):
    from bot.data.shops import ShopDirectory

    municipalities = knowledge.municipalities.municipalities
    whole = load_shops(_many_shops(tmp_path, 250), municipalities)
    stepped, steps = ShopDirectory.stepwise(whole.listing, municipalities, piece=40)
    assert sum(1 for _ in steps) > 250 // 40  # many small steps, not one
    for carrier in (None, "docomo", "au", "softbank", "rakuten"):
        assert stepped.cities(carrier) == whole.cities(carrier)
        assert stepped.desks(carrier) == whole.desks(carrier)
    assert stepped.in_city("宇部市") == whole.in_city("宇部市") and len(stepped.in_city("宇部市")) > 250
    assert stepped.in_city("宇部市", "au") == whole.in_city("宇部市", "au") and len(whole.in_city("宇部市", "au")) > 250
    for point in ((34.0, 131.0), (34.4, 131.4), (35.6, 139.7)):
        assert stepped.nearest(*point, limit=5) == whole.nearest(*point, limit=5)
    assert stepped.nearest_to_city("阿武町") == whole.nearest_to_city("阿武町")


def test_every_shop_of_the_listing_and_of_each_carrier_in_its_order(shops):
    listed = [s for s in shops.listing.shops if s.kind == "shop"]
    assert shops.everywhere() == listed and len(listed) == len(shops.listing.shops) - 1  # the Rakuten desk
    for carrier in ("docomo", "au", "softbank"):
        assert shops.everywhere(carrier) == [s for s in listed if s.carrier == carrier] != []
    assert shops.everywhere("rakuten") == [] and shops.everywhere("ymobile") == []


def test_every_shop_of_a_directory_built_in_steps(tmp_path, knowledge):
    from bot.data.shops import ShopDirectory

    municipalities = knowledge.municipalities.municipalities
    whole = load_shops(_many_shops(tmp_path, 120), municipalities)
    stepped, steps = ShopDirectory.stepwise(whole.listing, municipalities, piece=25)
    for _ in steps:
        pass
    assert stepped.everywhere("au") == whole.everywhere("au") and len(whole.everywhere()) > 120
