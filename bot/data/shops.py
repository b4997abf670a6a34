"""The shop directory: load ``shops.yaml`` and answer shop questions.

Lives here: ``load_shops`` (``checked_listing``: schema plus a check that every shop's
municipality is known, with line numbers) and ``ShopDirectory`` (built at once, or in small
steps beside the event loop by ``ShopDirectory.stepwise``) (shops in a city, by carrier,
the nearest ones to a point or to a city without a shop). A shop without
verified coordinates is placed at its municipality's office for distances only.
Loading never holds the GIL long (entries validated a hundred at a time, no full garbage
collection meanwhile), so a reload can run beside the event loop. Reads the listing file;
nothing else.
"""

from __future__ import annotations

import gc
import heapq
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.data import vocabulary
from bot.data.geo import distance_km
from bot.data.schema import Municipality, Shop, ShopFile, validate_file
from bot.data.yaml_lines import DataError, line_for, load_cached, load_with_lines

CELL = 0.25  # degrees; about 25 km
NEAR_CACHE = 4096  # municipalities' nearest shops remembered
STEP = 100  # shops indexed per step of a directory built beside the event loop
CHUNK = 100  # shop entries validated per pydantic call (it holds the GIL for a whole call)


def _ring_cells(ci: int, cj: int, ring: int):
    """The cells exactly ``ring`` cells away from (ci, cj) (the border of a square)."""
    if ring == 0:
        yield ci, cj
        return
    for j in range(cj - ring, cj + ring + 1):
        yield ci - ring, j
        yield ci + ring, j
    for i in range(ci - ring + 1, ci + ring):
        yield i, cj - ring
        yield i, cj + ring


def _cities_per_carrier(offices: list[str], carriers: dict[str, set[str]]) -> Iterator[tuple[str | None, tuple]]:
    """Municipalities with a shop (of each carrier), in the order of the municipality list, one
    carrier per step: made with the directory, not at the first question after a reload."""
    yield None, tuple(c for c in offices if c in carriers)
    for carrier in vocabulary.carriers():
        yield carrier, tuple(c for c in offices if carrier in carriers.get(c, ()))


@dataclass(frozen=True)
class NearShop:
    shop: Shop
    km: float
    approximate: bool


class ShopDirectory:
    """All shops, indexed by municipality and carrier."""

    def __init__(self, listing: ShopFile, municipalities: list[Municipality]):
        for _ in self._build(listing, municipalities, len(listing.shops) or 1):
            pass

    @classmethod
    def stepwise(
        cls, listing: ShopFile, municipalities: list[Municipality], piece: int = STEP
    ) -> tuple[ShopDirectory, Iterator[None]]:
        """A directory and the steps that build it, ``piece`` shops each (on the event loop, a step
        between two messages); it may be used once every step has run."""
        directory = cls.__new__(cls)
        return directory, directory._build(listing, municipalities, piece)

    def _build(self, listing: ShopFile, municipalities: list[Municipality], piece: int) -> Iterator[None]:
        self.listing = listing
        self._offices = {m.name: (m.office.lat, m.office.lon) for m in municipalities}
        self._by_city: dict[str, list[Shop]] = {}
        # Every shop (None) and each carrier's, in the listing's order: 「県内のドコモショップ全部」
        # is answered without reading the whole listing.
        self._everywhere: dict[str | None, list[Shop]] = {None: []}
        self._by_city_carrier: dict[tuple[str, str], list[Shop]] = {}  # a city's shops of one carrier, read per message
        self._positions: list[tuple[Shop, float, float, bool]] = []
        # Made once here (while loading), not per question: a listing can hold 30,000 shops.
        self._desks: list[Shop] = []
        self._carriers: set[str] = set()
        self._grid: dict[tuple[int, int], list[int]] = {}
        carriers: dict[str, set[str]] = {}
        shops = listing.shops
        for start in range(0, len(shops), piece):
            for shop in shops[start : start + piece]:
                self._index(shop, carriers)
            yield
        # Far enough to cover every position from anywhere: the search always ends.
        cells = list(self._grid) or [(0, 0)]
        self._max_ring = (
            max(
                max(i for i, _ in cells) - min(i for i, _ in cells), max(j for _, j in cells) - min(j for _, j in cells)
            )
            + 1
        )
        # A plain dict, not functools.lru_cache on a bound method: that is a reference cycle, and a
        # replaced listing would then wait for a full garbage collection to be freed.
        self._near_cities: dict[tuple, tuple[NearShop, ...]] = {}
        self._cities: dict[str | None, tuple[str, ...]] = {}
        for carrier, cities in _cities_per_carrier(list(self._offices), carriers):
            self._cities[carrier] = cities
            yield

    def _index(self, shop: Shop, carriers: dict[str, set[str]]) -> None:
        """One shop into the indexes (its city, its position's grid cell, the carriers)."""
        self._carriers.add(shop.carrier)
        if shop.kind == "phone_desk":
            self._desks.append(shop)
        if shop.kind != "shop":
            return
        self._by_city.setdefault(shop.municipality, []).append(shop)
        self._everywhere[None].append(shop)
        self._everywhere.setdefault(shop.carrier, []).append(shop)
        self._by_city_carrier.setdefault((shop.municipality, shop.carrier), []).append(shop)
        carriers.setdefault(shop.municipality, set()).add(shop.carrier)
        if shop.coordinates:
            lat, lon = shop.coordinates.lat, shop.coordinates.lon
            approximate = shop.coordinates.precision != "verified"
        elif shop.municipality in self._offices:
            (lat, lon), approximate = self._offices[shop.municipality], True
        else:
            return
        cell = (int(math.floor(lat / CELL)), int(math.floor(lon / CELL)))
        self._grid.setdefault(cell, []).append(len(self._positions))
        self._positions.append((shop, lat, lon, approximate))

    def dismantle(self, piece: int = 100, pause: Callable[[], None] = lambda: time.sleep(0.0005)) -> None:
        """Free this directory (once replaced) ``piece`` shops at a time, with a ``pause`` between
        (the GIL free for the event loop)."""
        for _ in self.dismantle_steps(piece):
            pause()

    def dismantle_steps(self, piece: int = 100) -> Iterator[None]:
        """The steps that free this directory (once replaced), ``piece`` shops each: dropped whole,
        its last reference would free every shop in one cascade that holds the GIL throughout."""
        self._near_cities.clear()
        self._grid.clear()
        self._desks.clear()
        self._by_city_carrier.clear()
        self._everywhere.clear()
        for held in (self._positions, *self._by_city.values(), self.listing.shops):
            while held:
                del held[-piece:]
                yield
        self._by_city.clear()

    def cities(self, carrier: str | None = None) -> tuple[str, ...]:
        """Municipalities with at least one shop (of ``carrier``), in the order of
        the municipality list. Computed once per carrier."""
        if carrier not in self._cities:
            self._cities[carrier] = tuple(c for c in self._offices if self.in_city(c, carrier))
        return self._cities[carrier]

    @property
    def as_of(self) -> str:
        return self.listing.as_of

    def __len__(self) -> int:
        return len(self.listing.shops)

    def in_city(self, municipality: str, carrier: str | None = None) -> list[Shop]:
        if carrier is None:
            return list(self._by_city.get(municipality, ()))
        return list(self._by_city_carrier.get((municipality, carrier), ()))

    def everywhere(self, carrier: str | None = None) -> list[Shop]:
        """Every shop of the listing (of ``carrier``), in its order; phone desks are not shops. The
        directory's own list, made while loading: read it, do not change it."""
        return self._everywhere.get(carrier, [])

    def desks(self, carrier: str | None = None) -> list[Shop]:
        """Phone desks (e.g. the Rakuten senior support desk)."""
        return [s for s in self._desks if carrier is None or s.carrier == carrier]

    def has_carrier(self, carrier: str) -> bool:
        return carrier in self._carriers

    def nearest(
        self, lat: float, lon: float, carrier: str | None = None, limit: int = 3, exclude_city: str | None = None
    ) -> list[NearShop]:
        """Shops nearest to a point, nearest first.

        Positions sit in a grid of ``CELL``-degree cells; rings of cells are searched
        outwards until the next ring cannot hold anything nearer than the ``limit``
        found so far. Ranking uses a planar distance (fine within Japan); the
        great-circle distance is computed for the few returned."""
        kx = max(math.cos(math.radians(lat)), 0.1)
        ci, cj = int(math.floor(lat / CELL)), int(math.floor(lon / CELL))
        best: list[tuple[float, int]] = []  # (squared planar distance, index), a max-heap by negation
        ring = 0
        while True:
            for i, j in _ring_cells(ci, cj, ring):
                for k in self._grid.get((i, j), ()):
                    shop, slat, slon, _ = self._positions[k]
                    if (carrier and shop.carrier != carrier) or (exclude_city and shop.municipality == exclude_city):
                        continue
                    d = (slat - lat) ** 2 + ((slon - lon) * kx) ** 2
                    if len(best) < limit:
                        heapq.heappush(best, (-d, k))
                    elif d < -best[0][0]:
                        heapq.heapreplace(best, (-d, k))
            # Anything in the next ring is at least ``ring`` cells away (in latitude or scaled longitude).
            reach = ring * CELL * min(1.0, kx)
            if (len(best) >= limit and reach * reach >= -best[0][0]) or ring > self._max_ring:
                break
            ring += 1
        out = []
        for _, k in sorted(best, key=lambda item: -item[0]):
            shop, slat, slon, approximate = self._positions[k]
            out.append(NearShop(shop, distance_km(lat, lon, slat, slon), approximate))
        return out

    def nearest_to_city(self, municipality: str, carrier: str | None = None, limit: int = 3) -> tuple[NearShop, ...]:
        """The shops nearest to a municipality's office, outside it (remembered per question)."""
        key = (municipality, carrier, limit)
        found = self._near_cities.get(key)
        if found is None:
            office = self._offices.get(municipality)
            found = () if office is None else tuple(self.nearest(*office, carrier, limit, exclude_city=municipality))
            if len(self._near_cities) >= NEAR_CACHE:
                self._near_cities.clear()
            self._near_cities[key] = found
        return found


def _validated(path: str | Path) -> ShopFile:
    """The listing validated CHUNK entries at a time, so a reload beside the event loop never
    holds the GIL for long; any problem and the whole file is validated again for its lines."""
    data, _ = load_cached(path)
    shops = data.get("shops") if isinstance(data, dict) else None
    if not isinstance(shops, list) or len(shops) <= CHUNK:
        return validate_file(ShopFile, path)
    parts = []
    while shops:
        try:
            parts.append(ShopFile.model_validate({**data, "shops": shops[:CHUNK]}))
        except ValidationError:
            return validate_file(ShopFile, path)
        del shops[:CHUNK]  # the parsed entries freed as they go: all at once would hold the GIL throughout
    listing = ShopFile.model_construct(
        as_of=parts[0].as_of, source=parts[0].source, shops=[shop for part in parts for shop in part.shops]
    )
    return validate_file(ShopFile, path) if listing.cross_checks() else listing


def load_shops(path: str | Path, municipalities: list[Municipality]) -> ShopDirectory:
    """Validate ``path`` and return its directory; ``DataError`` with lines otherwise.

    Garbage collection waits meanwhile (a full collection of the objects of a large listing
    would stop every thread), and what is built is then kept out of the collector's way."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        directory = _load(path, municipalities)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return directory


def _load(path: str | Path, municipalities: list[Municipality]) -> ShopDirectory:
    return ShopDirectory(checked_listing(path, {m.name for m in municipalities}), municipalities)


def checked_listing(path: str | Path, known: set[str]) -> ShopFile:
    """The listing at ``path`` validated whole, every shop's municipality one of ``known``;
    ``DataError`` with lines otherwise."""
    listing = _validated(path)
    unknown = [
        (i, s.municipality) for i, s in enumerate(listing.shops) if s.municipality and s.municipality not in known
    ]
    if unknown:
        _, lines = load_with_lines(path)
        raise DataError(
            [
                f"{path}:{line_for(lines, ('shops', i, 'municipality'))}: shops[{i}].municipality: "
                f"unknown municipality {name!r}"
                for i, name in unknown
            ]
        )
    return listing
