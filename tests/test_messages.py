"""The platform-neutral message types: a shared location is a point on Earth or nothing."""

from __future__ import annotations

import math

import pytest

from bot.messages import Location


def test_a_point_on_earth_is_a_location():
    assert Location.checked(34.05, 131.47) == Location(34.05, 131.47)
    assert Location.checked(-90, 180) == Location(-90, 180)


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, -181), (math.nan, 0), (0, math.inf)])
def test_a_point_off_earth_is_none(lat, lon):
    assert Location.checked(lat, lon) is None
