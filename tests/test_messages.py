"""The platform-neutral message types: a shared location is a point on Earth or nothing;
a user key is ``<channel>:<platform id>``, made and read back."""

from __future__ import annotations

import math

import pytest

from bot.messages import Location, platform_id, user_key


def test_a_point_on_earth_is_a_location():
    assert Location.checked(34.05, 131.47) == Location(34.05, 131.47)
    assert Location.checked(-90, 180) == Location(-90, 180)


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, -181), (math.nan, 0), (0, math.inf)])
def test_a_point_off_earth_is_none(lat, lon):
    assert Location.checked(lat, lon) is None


def test_a_user_key_is_made_and_read_back():
    assert user_key("line", "U4af") == "line:U4af"
    assert platform_id("line:U4af", "line") == "U4af"
    assert platform_id("line:a:b", "line") == "a:b"  # only the channel prefix is taken off


@pytest.mark.parametrize("key", ["telegram:42", "line:", "lineU4af", "", "liner:U4af"])
def test_another_channels_key_has_no_platform_id(key):
    assert platform_id(key, "line") is None
