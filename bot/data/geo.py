"""Distances and map links. Pure functions."""

from __future__ import annotations

import math
from urllib.parse import quote

EARTH_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def map_url(query: str) -> str:
    """A Google Maps search link for an address (no coordinates are invented)."""
    return "https://www.google.com/maps/search/?api=1&query=" + quote(query)
