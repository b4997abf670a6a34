"""Core benchmark: start-up, reply latency, peak memory and accuracy, on two data sets; start-up
after an edit (cold and warm parse cache) per shop scale; every kind of message per class scale
and the event loop's longest block (benchmarks/README.md says what each section measures).

    python benchmarks/bench_core.py            # full run: sections core, startup, scale (1x, 10x, 100x)
    python benchmarks/bench_core.py --quick --class-scales 1,10   # a quick run

Data sets:

* ``bundled``  — the repository's ``knowledge/`` and ``shops.yaml`` with the demo classes
  (``open_app(db, demo=True)``), dated from the test suite's fixed clock.
* ``national`` — generated (seeded, deterministic) into a temporary directory: the bundled
  ``knowledge/`` with a ``municipalities.yaml`` of 1,741 municipalities (the 19 real ones plus
  synthetic ones across Japan), a ``shops.yaml`` of 6,000 shops (the 22 real entries plus
  synthetic ones) and 90,000 classes over the next 28 days inserted with
  ``ClassStore.upsert_many``. Everything is loaded through the real loaders (``open_app``).

Each data set's in-process measurements run in a fresh subprocess of this script
(``--worker``), so its peak RSS is that of the bot alone. Start-up is timed on the real
``python -m bot chat --jsonl`` process. Only this directory is written to; the data live in
a temporary directory that is removed at the end (``--keep DIR`` keeps them).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20211127
TARGET_P99_MS = 2.0
TARGET_RSS_MB = 150.0
TARGET_STARTUP_S = 1.5
MIN_TIMED_TEXT_REPLIES = 3000
QUICK_TIMED_TEXT_REPLIES = 700
LOCATION_EVERY = 10  # one location message per this many conversation turns
STARTUP_RUNS = 5
QUICK_STARTUP_RUNS = 3
STARTUP_TEXT = "宇部でスマホ教室ある？"

N_MUNICIPALITIES = 1741
N_SHOPS = 6000
SHOP_SCALES = (1, 5)  # the listing: 6,000 and 30,000 shops
CLASS_SCALES = (1, 10, 100)  # the classes: 90,000, 900,000 and 9,000,000
PROBE_REPEATS = 20
QUICK_PROBE_REPEATS = 5
PROBE_MIN_REPEATS = 3  # warm replies of a kind at least, when it is too slow for all repeats
PROBE_BUDGET_S = 15.0  # seconds of replies per kind before repeating stops (past the minimum)
TARGET_KIND_MAX_MS = 10.0  # every kind of message, at 100x classes
TARGET_LOOP_BLOCK_MS = 10.0  # the longest time the event loop may be blocked
RELOAD_RUNS = 3  # live reloads of the largest listing, each with its own longest block
RELOAD_QUIET_S = 5.0  # seconds of the same replies measured just before each edit
TARGET_COLD_STARTUP_S = 1.5
TARGET_WARM_STARTUP_S = 0.6
TARGET_COLD_STARTUP_5X_S = 4.0
N_CLASSES = 90_000
N_VENUE_MUNICIPALITIES = 955  # municipalities with at least one venue (FY2023)
HORIZON_DAYS = 28


def fixed_now() -> datetime:
    """The test suite's fixed clock (tests/conftest.py NOW), so dates match the test set."""
    try:
        from tests.conftest import NOW  # noqa: PLC0415 (imports pytest; only the parent does this)

        return NOW
    except Exception:  # pragma: no cover - conftest moved or renamed
        from bot.clock import TOKYO

        return datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)


# ======================================================================================
# National-scale data generation
# ======================================================================================

# Place-name kanji with one reading each (kana, Hepburn romaji without macrons).
KANJI = [
    ("東", "ひがし", "higashi"),
    ("西", "にし", "nishi"),
    ("南", "みなみ", "minami"),
    ("北", "きた", "kita"),
    ("上", "かみ", "kami"),
    ("下", "しも", "shimo"),
    ("中", "なか", "naka"),
    ("大", "おお", "o"),
    ("小", "こ", "ko"),
    ("高", "たか", "taka"),
    ("長", "なが", "naga"),
    ("広", "ひろ", "hiro"),
    ("松", "まつ", "matsu"),
    ("竹", "たけ", "take"),
    ("梅", "うめ", "ume"),
    ("桜", "さくら", "sakura"),
    ("杉", "すぎ", "sugi"),
    ("森", "もり", "mori"),
    ("林", "はやし", "hayashi"),
    ("川", "かわ", "kawa"),
    ("山", "やま", "yama"),
    ("田", "た", "ta"),
    ("野", "の", "no"),
    ("原", "はら", "hara"),
    ("沢", "さわ", "sawa"),
    ("津", "つ", "tsu"),
    ("浜", "はま", "hama"),
    ("島", "しま", "shima"),
    ("岡", "おか", "oka"),
    ("崎", "さき", "saki"),
    ("谷", "たに", "tani"),
    ("坂", "さか", "saka"),
    ("宮", "みや", "miya"),
    ("瀬", "せ", "se"),
    ("江", "え", "e"),
    ("石", "いし", "ishi"),
    ("岩", "いわ", "iwa"),
    ("金", "かね", "kane"),
    ("白", "しら", "shira"),
    ("黒", "くろ", "kuro"),
    ("青", "あお", "ao"),
    ("赤", "あか", "aka"),
    ("若", "わか", "waka"),
    ("新", "にい", "nii"),
    ("古", "ふる", "furu"),
    ("本", "もと", "moto"),
    ("橋", "はし", "hashi"),
    ("城", "しろ", "shiro"),
    ("泉", "いずみ", "izumi"),
    ("清", "きよ", "kiyo"),
    ("富", "とみ", "tomi"),
    ("福", "ふく", "fuku"),
    ("吉", "よし", "yoshi"),
    ("豊", "とよ", "toyo"),
    ("鶴", "つる", "tsuru"),
    ("亀", "かめ", "kame"),
    ("鹿", "しか", "shika"),
    ("熊", "くま", "kuma"),
    ("鳥", "とり", "tori"),
    ("菊", "きく", "kiku"),
    ("藤", "ふじ", "fuji"),
    ("桑", "くわ", "kuwa"),
    ("柳", "やなぎ", "yanagi"),
    ("栗", "くり", "kuri"),
    ("稲", "いな", "ina"),
    ("荒", "あら", "ara"),
    ("朝", "あさ", "asa"),
    ("日", "ひ", "hi"),
    ("月", "つき", "tsuki"),
    ("星", "ほし", "hoshi"),
    ("水", "みず", "mizu"),
    ("玉", "たま", "tama"),
    ("美", "み", "mi"),
    ("浦", "うら", "ura"),
    ("秋", "あき", "aki"),
    ("春", "はる", "haru"),
    ("芦", "あし", "ashi"),
    ("横", "よこ", "yoko"),
    ("井", "い", "i"),
    ("戸", "と", "to"),
]
# Pairs that are ordinary words rather than place names.
NOT_PLACES = {
    "日本",
    "本日",
    "中日",
    "日中",
    "月日",
    "日月",
    "上下",
    "下上",
    "東西",
    "西東",
    "南北",
    "北南",
    "大小",
    "小大",
    "中上",
    "上中",
    "春秋",
    "秋春",
    "日日",
    "水月",
    "大水",
    "古本",
    "新本",
}
# (type, kana, romaji suffix for name_en, share): 792 市, 743 町, 183 村 nationally (excl. 23 wards).
KINDS = [("市", "し", "City", 0.46), ("町", "ちょう", "Town", 0.43), ("村", "むら", "Village", 0.11)]
DISTRICT_SUFFIXES = [
    ("東", "ひがし", "higashi"),
    ("西", "にし", "nishi"),
    ("南", "みなみ", "minami"),
    ("北", "きた", "kita"),
    ("中央", "ちゅうおう", "chuo"),
]
# Prefectural capitals (approximate) and how widely their municipalities spread (degrees).
ANCHORS = [
    (43.06, 141.35, 1.2, 4.0),
    (40.82, 140.74, 0.4, 1),
    (39.70, 141.15, 0.5, 1),
    (38.27, 140.87, 0.4, 1),
    (39.72, 140.10, 0.4, 1),
    (38.24, 140.36, 0.4, 1),
    (37.75, 140.47, 0.5, 1.3),
    (36.34, 140.45, 0.3, 1),
    (36.57, 139.88, 0.3, 1),
    (36.39, 139.06, 0.3, 1),
    (35.86, 139.65, 0.2, 1.4),
    (35.61, 140.12, 0.3, 1.2),
    (35.69, 139.69, 0.15, 1.4),
    (35.45, 139.64, 0.15, 0.7),
    (37.90, 139.02, 0.5, 0.7),
    (36.70, 137.21, 0.2, 0.4),
    (36.59, 136.63, 0.3, 0.4),
    (36.07, 136.22, 0.3, 0.4),
    (35.66, 138.57, 0.3, 0.6),
    (36.65, 138.18, 0.5, 1.7),
    (35.39, 136.72, 0.4, 0.9),
    (34.98, 138.38, 0.4, 0.7),
    (35.18, 136.91, 0.3, 1.2),
    (34.73, 136.51, 0.4, 0.6),
    (35.00, 135.87, 0.2, 0.4),
    (35.02, 135.76, 0.3, 0.6),
    (34.69, 135.52, 0.2, 0.9),
    (34.69, 135.18, 0.4, 0.9),
    (34.69, 135.83, 0.3, 0.8),
    (34.23, 135.17, 0.3, 0.6),
    (35.50, 134.24, 0.3, 0.4),
    (35.47, 133.05, 0.4, 0.4),
    (34.66, 133.93, 0.3, 0.6),
    (34.40, 132.46, 0.4, 0.5),
    (33.84, 132.77, 0.4, 0.4),
    (34.07, 134.56, 0.3, 0.5),
    (34.34, 134.04, 0.2, 0.35),
    (33.56, 133.53, 0.4, 0.7),
    (33.61, 130.42, 0.3, 1.2),
    (33.25, 130.30, 0.2, 0.4),
    (32.74, 129.87, 0.3, 0.4),
    (32.79, 130.74, 0.4, 0.9),
    (33.24, 131.61, 0.3, 0.4),
    (31.91, 131.42, 0.4, 0.5),
    (31.56, 130.56, 0.5, 0.9),
    (26.21, 127.68, 0.3, 0.8),
]  # fmt: skip  (lat, lon, spread, relative number of municipalities); Yamaguchi's 19 are real
CARRIERS = [
    ("docomo", "ドコモショップ", "docomo Shop", 0.36),
    ("au", "auショップ", "au Shop", 0.34),
    ("softbank", "ソフトバンク", "SoftBank", 0.30),
]
BRANCHES = [
    ("", ""),
    ("駅前", "Ekimae"),
    ("中央", "Chuo"),
    ("東", "Higashi"),
    ("西", "Nishi"),
    ("南", "Minami"),
    ("北", "Kita"),
    ("インター", "Inter"),
    ("バイパス", "Bypass"),
    ("ゆめタウン", "Youme Town"),
]
TOWNS = ["本町", "栄町", "駅前", "中央", "旭町", "昭和町", "緑町", "幸町", "港町", "新町", "大手町", "末広町"]


def _weighted(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def _reserved_words(knowledge) -> tuple[set[str], list[str]]:
    """Names already in the gazetteer (exact), and texts a synthetic name must not occur in."""
    from bot.understanding.normalize import fold
    from bot.understanding.parser import scoring_texts
    from tests.support.conversations import load_cases

    taken: set[str] = set()
    mf = knowledge.municipalities
    taken.update(fold(x) for x in (mf.prefecture.name, mf.prefecture.kana, mf.prefecture.romaji))
    for m in mf.municipalities:
        taken.update(fold(x) for x in (m.name, m.kana, m.short, m.short_kana, m.romaji, *m.romaji_aliases))
        for d in m.districts:
            taken.update(fold(x) for x in (d.name, d.kana, d.romaji))
    for p in knowledge.elsewhere.places:
        taken.update(fold(x) for x in (p.name, p.kana, p.romaji))
    for aliases in (c.words for c in knowledge.carriers.carriers):
        taken.update(fold(a) for a in aliases)
    taken.update(knowledge.intents.stopwords_en)
    texts = [fold(ex) for _, ex in scoring_texts(knowledge)]
    texts += [fold(t.say) for c in load_cases() for t in c.turns if len(t.say) < 600]
    lexicon = Path(knowledge.directory) / "readings.tsv"
    if lexicon.exists():
        for line in lexicon.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#") and "\t" in line:
                texts.extend(line.split("\t", 1))
    return taken, texts


def _synthetic_municipalities(rng: random.Random, knowledge, count: int) -> list[dict]:
    taken, texts = _reserved_words(knowledge)
    blob = "\n".join(texts)
    ascii_words = set()
    for t in texts:
        ascii_words.update(w for w in t.split() if w.isascii())
    pairs = [(a, b) for a in KANJI for b in KANJI if a[0] != b[0]]
    rng.shuffle(pairs)
    used_kana: set[str] = set()
    used_romaji: set[str] = set()
    weights = [a[3] for a in ANCHORS]
    out: list[dict] = []

    def free(short: str, kana: str, romaji: str) -> bool:
        """A name no real place, word of the knowledge or earlier synthetic name has."""
        if short in NOT_PLACES or short in taken or kana in taken or romaji in taken:
            return False
        if kana in used_kana or romaji in used_romaji or romaji in ascii_words:
            return False
        return not (short in blob or (len(kana) >= 3 and kana in blob))

    for a, b in pairs:
        if len(out) == count:
            break
        short, kana, romaji = a[0] + b[0], a[1] + b[1], a[2] + b[2]
        if not free(short, kana, romaji):
            continue
        used_kana.add(kana)
        used_romaji.add(romaji)
        kind, kind_kana, kind_en, _ = _weighted(rng, KINDS, [k[3] for k in KINDS])
        lat0, lon0, spread, _ = _weighted(rng, ANCHORS, weights)
        lat = min(45.5, max(24.0, rng.gauss(lat0, spread / 2)))
        lon = min(148.0, max(123.0, rng.gauss(lon0, spread / 2)))
        districts = [
            {"name": short + s[0], "kana": kana + s[1], "romaji": romaji + s[2]}
            for s in rng.sample(DISTRICT_SUFFIXES, rng.choice([0, 0, 1, 2, 3]))
        ]
        out.append(
            {
                "code": None,
                "name": short + kind,
                "kana": kana + kind_kana,
                "short": short,
                "short_kana": kana,
                "romaji": romaji,
                "romaji_aliases": [],
                "name_en": f"{romaji.capitalize()} {kind_en}",
                "districts": districts,
                "office": {"lat": round(lat, 4), "lon": round(lon, 4), "precision": "approximate"},
            }
        )
    if len(out) < count:
        raise SystemExit(f"could only make {len(out)} synthetic municipality names; add kanji to KANJI")
    return out


def _phone(rng: random.Random) -> tuple[str, dict | None]:
    style = rng.random()
    if style < 0.3:
        return f"0120-{rng.randint(100, 999)}-{rng.randint(100, 999)}", {"ja": "フリーダイヤル", "en": "Toll-free"}
    if style < 0.55:
        return f"0{rng.randint(1, 9)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}", None
    if style < 0.8:
        return f"0{rng.randint(11, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}", None
    return f"0{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}", None


def _synthetic_shops(rng: random.Random, municipalities: list[dict], count: int, real_hosts: int) -> list[dict]:
    """``count`` shops in synthetic municipalities, so that with the ``real_hosts`` real
    municipalities that have a shop, N_VENUE_MUNICIPALITIES have at least one."""
    hosts = rng.sample(municipalities, N_VENUE_MUNICIPALITIES - real_hosts)
    # A few big cities hold many venues, most hold a handful: lognormal weights.
    weights = [rng.lognormvariate(0, 1.0) for _ in hosts]
    per_host = [1] * len(hosts)
    for i in rng.choices(range(len(hosts)), weights=weights, k=count - len(hosts)):
        per_host[i] += 1
    shops: list[dict] = []
    names: set[str] = set()
    n = 0
    for m, k in zip(hosts, per_host):
        for _ in range(k):
            n += 1
            carrier, name_ja, name_en, _ = _weighted(rng, CARRIERS, [c[3] for c in CARRIERS])
            branch_ja, branch_en = rng.choice(BRANCHES)
            base = f"{name_ja}{m['short']}{branch_ja}店"
            name, number = base, 1
            while name in names:
                number += 1
                name = f"{name_ja}{m['short']}{branch_ja}{number}号店"
            names.add(name)
            phone, label = _phone(rng)
            coords = None
            if rng.random() < 0.6:
                coords = {
                    "lat": round(m["office"]["lat"] + rng.uniform(-0.05, 0.05), 5),
                    "lon": round(m["office"]["lon"] + rng.uniform(-0.05, 0.05), 5),
                    "precision": "approximate",
                    "source": "synthetic benchmark data",
                }
            shops.append(
                {
                    "id": f"{carrier}-syn-{n:05d}",
                    "carrier": carrier,
                    "kind": "shop",
                    "name": name,
                    "name_en": f"{name_en} {m['romaji'].capitalize()} {branch_en}".strip()
                    + (f" No. {number}" if number > 1 else ""),
                    "municipality": m["name"],
                    "address": f"{m['name']}{rng.choice(TOWNS)}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                    "phone": phone,
                    "phone_label": label,
                    "hours": None,
                    "email": None,
                    "holds_classes": rng.random() < 0.95,
                    "coordinates": coords,
                }
            )
    return shops


def _dump_yaml(data: dict, path: Path, header: str) -> None:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=200)
    path.write_text(header + text, encoding="utf-8")


def _synthetic_classes(rng: random.Random, directory, tagger, today, prefecture: str, total: int) -> list:
    from bot.classes.demo import CAPACITY, SEED_COURSES, SEED_STARTS, sample_session

    venues = [s for s in directory.listing.shops if s.kind == "shop" and s.holds_classes]
    order = list(range(len(venues)))
    rng.shuffle(order)
    base, extra = divmod(total, len(venues))
    slots = [(d, s) for d in range(HORIZON_DAYS) for s in SEED_STARTS]
    tags = {title: tagger.tags(title) for _, title in SEED_COURSES}
    sessions = []
    for rank, i in enumerate(order):
        shop = venues[i]
        for day_n, start in sorted(rng.sample(slots, base + (1 if rank < extra else 0))):
            level, title = rng.choice(SEED_COURSES)
            sessions.append(
                sample_session(
                    shop,
                    prefecture,
                    today + timedelta(days=day_n),
                    start,
                    level,
                    title,
                    tags[title],
                    rng.randint(0, CAPACITY),
                )
            )
    return sessions


async def make_national(out: Path, now: datetime) -> dict:
    """Write knowledge/, shops.yaml and a class database for the national data set."""
    import yaml

    from bot import config
    from bot.app import open_app
    from bot.classes.topics import TopicTagger
    from bot.clock import FixedClock
    from bot.data.knowledge import load_knowledge
    from bot.store.classes import ClassStore

    rng = random.Random(SEED)
    kdir = out / "knowledge"
    shutil.copytree(config.knowledge_dir(), kdir)
    bundled = load_knowledge(config.knowledge_dir())
    real = yaml.safe_load((config.knowledge_dir() / "municipalities.yaml").read_text(encoding="utf-8"))
    n_real = len(real["municipalities"])
    synthetic = _synthetic_municipalities(rng, bundled, N_MUNICIPALITIES - n_real)
    real["municipalities"] += synthetic
    real["source"] = real["source"] + [{"title": "synthetic benchmark data (benchmarks/bench_core.py)", "url": None}]
    _dump_yaml(
        real,
        kdir / "municipalities.yaml",
        f"# generated by benchmarks/bench_core.py (seed {SEED}): {n_real} real + {len(synthetic)} synthetic\n",
    )

    shops_data = yaml.safe_load(config.shops_file().read_text(encoding="utf-8"))
    n_real_shops = len(shops_data["shops"])
    real_hosts = len({s["municipality"] for s in shops_data["shops"] if s.get("municipality")})
    shops_data["shops"] += _synthetic_shops(rng, synthetic, N_SHOPS - n_real_shops, real_hosts)
    shops_file = out / "shops.yaml"
    _dump_yaml(shops_data, shops_file, f"# generated by benchmarks/bench_core.py (seed {SEED})\n")
    listings = {1: str(shops_file)}
    for scale in (s for s in SHOP_SCALES if s != 1):
        more = yaml.safe_load(config.shops_file().read_text(encoding="utf-8"))
        more["shops"] += _synthetic_shops(
            random.Random(SEED + scale), synthetic, scale * N_SHOPS - n_real_shops, real_hosts
        )
        listings[scale] = str(out / f"shops-{scale}x.yaml")
        _dump_yaml(more, Path(listings[scale]), f"# generated by benchmarks/bench_core.py (seed {SEED + scale})\n")

    db = out / "national.db"
    app = await open_app(str(db), knowledge_dir=kdir, shops_file=shops_file, clock=FixedClock(now))
    try:
        tagger = TopicTagger(app.knowledge.programme.topics)
        prefecture = app.knowledge.municipalities.prefecture.name
        sessions = _synthetic_classes(rng, app.shops, tagger, now.date(), prefecture, N_CLASSES)
        await ClassStore(app.db).upsert_many(sessions)
        n_classes = await ClassStore(app.db).count()
        await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = {
            "municipalities": len(app.knowledge.municipalities.municipalities),
            "shops": len(app.shops),
            "classes": n_classes,
            "venue_municipalities": len({s.municipality for s in app.shops.listing.shops if s.municipality}),
        }
    finally:
        await app.close()
    return {"knowledge": str(kdir), "shops": str(shops_file), "db": str(db), "counts": counts, "listings": listings}


async def make_bundled(out: Path, now: datetime) -> dict:
    from bot import config
    from bot.app import open_app
    from bot.clock import FixedClock
    from bot.store.classes import ClassStore

    db = out / "bundled.db"
    app = await open_app(str(db), demo=True, clock=FixedClock(now))
    try:
        counts = {
            "municipalities": len(app.knowledge.municipalities.municipalities),
            "shops": len(app.shops),
            "classes": await ClassStore(app.db).count(),
            "venue_municipalities": len({s.municipality for s in app.shops.listing.shops if s.municipality}),
        }
        await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await app.close()
    return {
        "knowledge": str(config.knowledge_dir()),
        "shops": str(config.shops_file()),
        "db": str(db),
        "counts": counts,
    }


# ======================================================================================
# Measurements
# ======================================================================================


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def startup_command(data: dict) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bot",
        "chat",
        "--jsonl",
        "--db",
        data["db"],
        "--knowledge",
        data["knowledge"],
        "--shops",
        data["shops"],
    ]


def first_reply(data: dict, n: int, env: dict, workdir: Path) -> tuple[float, float]:
    """Spawn the bot on ``data``, write one line: (seconds to the first output line, the
    child's peak RSS in MB from wait4). Exits the benchmark if the bot did not answer."""
    line = json.dumps({"user": f"startup-{n}", "text": STARTUP_TEXT}, ensure_ascii=False) + "\n"
    with open(workdir / f"startup-{n}.stderr", "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            startup_command(data), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=str(ROOT), env=env
        )
        proc.stdin.write(line.encode())
        proc.stdin.flush()
        first = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.stdin.close()
        proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        problems = err.read().decode(errors="replace")
    try:
        ok = code == 0 and json.loads(first).get("replies")
    except json.JSONDecodeError:
        ok = False
    if not ok:
        raise SystemExit(f"start-up run failed (exit {code}): {first[:300]!r}\n{problems[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def startup_env(workdir: Path) -> dict:
    """The environment of a timed start-up: no MADOGUCHI_ setting of the caller's, and byte code
    kept (in ``workdir/pycache``) as an installed bot has it, even where the caller's shell sets
    PYTHONDONTWRITEBYTECODE: compiling the bot's modules from source at every start costs about
    0.1 s here, which no deployment pays. ``byte_code_ready`` fills it before the first timed run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def byte_code_ready(data: dict, workdir: Path) -> None:
    """One untimed start-up, so that the timed ones find the byte code compiled (once per work
    folder: the bot's code is the same whatever the data)."""
    if (workdir / "pycache").is_dir():
        return
    env = startup_env(workdir)
    env["MADOGUCHI_CACHE"] = str(workdir / "cache-byte-code")
    db = workdir / "byte-code.db"
    shutil.copy(data["db"], db)
    first_reply(dict(data, db=str(db)), -1, env, workdir)


def measure_startup(data: dict, runs: int, workdir: Path) -> list[float]:
    """Wall time from spawn to the first output line, for one input line, ``runs`` times."""
    byte_code_ready(data, workdir)
    env = startup_env(workdir)
    return [first_reply(data, n, env, workdir)[0] for n in range(runs)]


def _proc_status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (VmHWM is not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


async def _worker(args: argparse.Namespace) -> dict:
    """In-process measurements on one data set (run in its own subprocess)."""
    from bot.app import open_app
    from bot.clock import FixedClock
    from bot.messages import IncomingMessage, Location
    from tests.support.conversations import load_cases, part_of, problems, visible

    now = datetime.fromisoformat(args.now)
    cases = load_cases()
    t0 = time.perf_counter()
    app = await open_app(args.db, knowledge_dir=args.knowledge, shops_file=args.shops, clock=FixedClock(now))
    open_s = time.perf_counter() - t0
    rss_after_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result: dict = {"open_s": open_s, "rss_after_open_mb": rss_after_open}
    try:
        # Warm-up pass, which is also the accuracy run (fixed clock, one user per case, as in tests/).
        passed_cases = passed_turns = n_turns = 0
        failed: list[str] = []
        for case in cases:
            case_ok = True
            for turn in case.turns:
                replies = await app.engine.handle(IncomingMessage(f"acc:{case.id}", text=turn.say, lang=case.lang))
                ok = bool(replies) and not problems(turn, visible(replies))
                passed_turns += ok
                n_turns += 1
                case_ok &= ok
            passed_cases += case_ok
            if not case_ok:
                failed.append(case.id)
        parts: dict[str, list[int]] = {}
        for case in cases:
            right_total = parts.setdefault(part_of(case), [0, 0])
            right_total[0] += case.id not in failed
            right_total[1] += 1
        result["accuracy"] = {
            "cases": [passed_cases, len(cases)],
            "turns": [passed_turns, n_turns],
            "failed": failed,
            "parts": parts,
        }

        # Location messages: offices of the data set's municipalities, jittered a little.
        rng = random.Random(SEED + 1)
        offices = [(m.office.lat, m.office.lon) for m in app.knowledge.municipalities.municipalities]
        per_pass = max(1, n_turns // LOCATION_EVERY)
        passes = max(1, math.ceil(args.min_replies / n_turns))
        text_ns: list[int] = []
        loc_ns: list[int] = []
        cpu_ns: list[int] = []  # the loop thread's own CPU time per reply (time.thread_time)
        clock = time.perf_counter_ns
        cpu = time.thread_time_ns
        handle = app.engine.handle
        gc_ms: list[float] = []
        gc_start: list[float] = []

        def on_gc(phase: str, info: dict) -> None:
            if info["generation"] != 2:
                return
            if phase == "start":
                gc_start.append(time.perf_counter())
            elif gc_start:
                gc_ms.append((time.perf_counter() - gc_start.pop()) * 1000)

        gc.callbacks.append(on_gc)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for p in range(passes):
            points = [rng.choice(offices) for _ in range(per_pass)]
            points = [(lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)) for lat, lon in points]
            k = 0
            for case in cases:
                for turn in case.turns:
                    msg = IncomingMessage(f"bench:{p}:{case.id}", text=turn.say, lang=case.lang)
                    t, c = clock(), cpu()
                    await handle(msg)
                    text_ns.append(clock() - t)
                    cpu_ns.append(cpu() - c)
                    k += 1
                    if k % LOCATION_EVERY == 0 and points:
                        lat, lon = points.pop()
                        msg = IncomingMessage(f"loc:{p}:{k}", location=Location(lat, lon))
                        t, c = clock(), cpu()
                        await handle(msg)
                        loc_ns.append(clock() - t)
                        cpu_ns.append(cpu() - c)
        gc.callbacks.remove(on_gc)
        result["gc_full_ms"] = gc_ms
        if profiler is not None:
            import io
            import pstats

            profiler.disable()
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(30)
            result["profile"] = buf.getvalue()
        result["passes"] = passes
        result["text_ms"] = [v / 1e6 for v in text_ns]
        result["loc_ms"] = [v / 1e6 for v in loc_ns]
        result["cpu_ms"] = [v / 1e6 for v in cpu_ns]
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["vmhwm_mb"] = _proc_status_mb("VmHWM")
        result["vmrss_mb"] = _proc_status_mb("VmRSS")
    finally:
        await app.close()
    return result


# ======================================================================================
# Scale probe: every kind of message at 1x, 10x and 100x classes, the event loop's longest
# block during a mixed replay and during a live reload of the shop listing
# ======================================================================================

PREFECTURE_TEXT = "山口県全体"


def probe_kinds(dense: str, synthetic: str, office: tuple[float, float]) -> list[tuple[str, list[dict]]]:
    """(kind, turns): the last turn is the one timed; ``dense`` is the municipality with the
    most classes, ``synthetic`` a generated one with a typical number of classes."""
    pref = PREFECTURE_TEXT
    return [
        ("whole prefecture", [{"text": f"{pref}のスマホ教室"}]),
        ("whole prefecture + 土曜 + 午前 + level", [{"text": f"{pref}で土曜の午前の入門のスマホ教室"}]),
        # Rakuten is listed by its phone desk alone, so 「山口県の楽天のスマホ教室」 is now answered by the
        # desk; a search that matches nothing is a whole-prefecture search that no class fits.
        ("no match (楽天, whole prefecture)", [{"text": "山口県の楽天のスマホ教室"}]),
        ("no match (活用編 + 夕方 + au, whole prefecture)", [{"text": f"{pref}でauの夕方の活用編のスマホ教室"}]),
        ("filter: date (明日)", [{"text": f"{pref}で明日のスマホ教室"}]),
        ("filter: weekday (土曜)", [{"text": f"{pref}で土曜のスマホ教室"}]),
        ("filter: part of day (夕方)", [{"text": f"{pref}で夕方のスマホ教室"}]),
        ("filter: level (入門)", [{"text": f"{pref}で入門のスマホ教室"}]),
        ("filter: topic (マイナンバーカード)", [{"text": f"{pref}でマイナンバーカードの申請を教えてくれる講座"}]),
        ("filter: carrier (ドコモ)", [{"text": f"{pref}のドコモのスマホ教室"}]),
        ("dense city + topic", [{"text": f"{dense}のマイナンバーカードの講座"}]),
        ("synthetic municipality", [{"text": f"{synthetic}のスマホ教室"}]),
        ("location", [{"location": office}]),
        ("follow-up (もっと先は？)", [{"text": f"{dense}のスマホ教室"}, {"text": "もっと先は？"}]),
    ]


# The issue's table: (row label, kind)
ISSUE_ROWS = [
    ("山口県全体のスマホ教室", "whole prefecture"),
    ("whole prefecture + 土曜 + 午前 + level", "whole prefecture + 土曜 + 午前 + level"),
    ("山口県の楽天のスマホ教室 (now the Rakuten desk)", "no match (楽天, whole prefecture)"),
    ("a whole-prefecture search nothing fits", "no match (活用編 + 夕方 + au, whole prefecture)"),
    ("the densest city + topic", "dense city + topic"),
]


def scale_database(src: str, dst: Path, factor: int) -> dict:
    """A copy of ``src`` with every class ``factor`` times (new ids and natural keys, same days),
    made by INSERT … SELECT over a recursive CTE with the secondary indexes and the triggers on
    classes dropped meanwhile and restored after; rows kept beside the classes by those triggers
    (class_topics, where the schema has it) are copied the same way."""
    import sqlite3

    shutil.copy(src, dst)
    t = time.perf_counter()
    con = sqlite3.connect(dst, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY", "threads=2"):
        con.execute(f"PRAGMA {pragma}")
    if factor > 1:
        saved = con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        ).fetchall()
        con.execute("BEGIN")
        for kind, name, _ in saved:
            con.execute(f'DROP {kind.upper()} "{name}"')
        (top,) = con.execute("SELECT MAX(id) FROM classes").fetchone()
        copies = f"WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < {factor - 1}) "
        cols = [r[1] for r in con.execute("PRAGMA table_info(classes)") if r[1] not in ("id", "natural_key")]
        con.execute(
            f"{copies} INSERT INTO classes (id, natural_key, {', '.join(cols)}) "
            f"SELECT id + copy.n * {top}, natural_key || '#' || copy.n, {', '.join(cols)} "
            f"FROM copy, classes WHERE id <= {top}"
        )
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'class_topics'").fetchone():
            tcols = [r[1] for r in con.execute("PRAGMA table_info(class_topics)") if r[1] != "class_id"]
            con.execute(
                f"{copies} INSERT INTO class_topics (class_id, {', '.join(tcols)}) "
                f"SELECT class_id + copy.n * {top}, {', '.join(tcols)} FROM copy, class_topics "
                f"WHERE class_id <= {top}"
            )
        for _, _, sql in saved:
            con.execute(sql)
        con.execute("COMMIT")
    (n,) = con.execute("SELECT COUNT(*) FROM classes").fetchone()
    con.close()
    return {"classes": n, "make_s": time.perf_counter() - t}


def _scaled(me: list[str], src: str, dst: Path, factor: int) -> dict:
    """``scale_database`` in a subprocess (this process's peak RSS is inherited by the start-ups
    it spawns). A database kept by ``--keep`` from the same source is reused, its conversations
    and other resident data cleared."""
    import hashlib
    import sqlite3

    con = sqlite3.connect(src)
    digest = hashlib.sha256(f"x{factor}".encode())
    for query in (
        "SELECT sql FROM sqlite_master ORDER BY name",
        "SELECT natural_key, seats_left FROM classes ORDER BY id",
    ):
        for row in con.execute(query):
            digest.update(repr(row).encode())
    con.close()
    source = digest.hexdigest()  # the schema and the classes, not the file (its rows say when they were written)
    mark = dst.with_suffix(".source")
    if dst.exists() and mark.exists() and mark.read_text() == source:
        con = sqlite3.connect(dst, isolation_level=None)
        for (table,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
            "('classes', 'class_topics') AND name NOT LIKE 'sqlite_%'"
        ).fetchall():
            con.execute(f'DELETE FROM "{table}"')
        (n,) = con.execute("SELECT COUNT(*) FROM classes").fetchone()
        con.close()
        return {"classes": n, "reused": True}
    mark.unlink(missing_ok=True)
    made = _subprocess_json([*me, "--scale-db", src, str(dst), str(factor)], f"{factor}x classes")
    mark.write_text(source)
    return made


def _probe_targets(db: str, knowledge) -> tuple[str, str, tuple[float, float]]:
    """The densest municipality, a synthetic one with a median number of classes, and the
    densest one's office."""
    import sqlite3

    real = {"山口県"} | {m.name for m in knowledge.municipalities.municipalities[:19]}
    con = sqlite3.connect(db)
    counts = con.execute("SELECT municipality, COUNT(*) FROM classes GROUP BY municipality ORDER BY 2 DESC").fetchall()
    con.close()
    dense = counts[0][0]
    synthetic = [m for m, _ in counts if m not in real]
    offices = {m.name: (m.office.lat, m.office.lon) for m in knowledge.municipalities.municipalities}
    return dense, synthetic[len(synthetic) // 2], offices[dense]


class LoopLag:
    """The longest time the event loop could not run a 1 ms timer (a loop-lag monitor), and what
    the loop's thread was doing then: a watchdog thread looks at its stack whenever the timer is
    more than WATCHDOG_MS late. Beside each block, the CPU time the loop's thread itself used in it
    (``worst_cpu_ms``) and the longest such work of any tick (``busiest_ms``): a block much longer than
    its work is time the thread was not running (the machine's other processes, or the GIL)."""

    WATCHDOG_MS = 8.0

    def __init__(self, tick: float = 0.001):
        self.tick = tick
        self.reset()
        self._task: asyncio.Task | None = None
        self._beat = time.perf_counter()
        self._seen: list[tuple[float, float, str]] = []  # (when, how late in ms, the loop's stack)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t, cpu = loop.time(), time.thread_time()
            self._beat = time.perf_counter()
            await asyncio.sleep(self.tick)
            late = (loop.time() - t - self.tick) * 1000
            busy = (time.thread_time() - cpu) * 1000
            self.busiest_ms = max(self.busiest_ms, busy)
            if late > self.worst_ms:
                self.worst_ms, self.worst_where, self.worst_cpu_ms = late, self._where(late), busy

    def _where(self, late: float) -> str:
        """The loop thread's stack as the watchdog last saw it during this block."""
        now = time.perf_counter()
        seen = [where for when, _, where in self._seen if now - when < late / 1000 + 0.005]
        self._seen.clear()
        return seen[-1] if seen else "not seen"

    def _watchdog(self, loop_thread: int) -> None:
        import traceback

        while self._task is not None:
            time.sleep(0.002)
            late = (time.perf_counter() - self._beat) * 1000
            frame = sys._current_frames().get(loop_thread)
            if late > self.WATCHDOG_MS and frame is not None:
                # Names and line numbers only: reading the source lines would fill linecache with
                # lists the collector then walks, the bench's own cost counted as the bot's.
                stack = list(traceback.StackSummary.extract(traceback.walk_stack(frame), limit=4, lookup_lines=False))
                stack.reverse()
                self._seen.append(
                    (time.perf_counter(), late, " < ".join(f"{f.name}:{f.lineno}" for f in reversed(stack)))
                )
                del self._seen[:-50]

    def reset(self) -> None:
        self.worst_ms, self.worst_where, self.gc_worst_ms = 0.0, "", 0.0
        self.worst_cpu_ms, self.busiest_ms = 0.0, 0.0

    def figures(self) -> dict:
        """The longest block (ms), where the loop was then, its own CPU time in it, the longest
        work of any tick, and the longest garbage collection since the last reset."""
        return {
            "loop_block_ms": self.worst_ms,
            "loop_block_where": self.worst_where,
            "loop_block_cpu_ms": self.worst_cpu_ms,
            "loop_busiest_ms": self.busiest_ms,
            "gc_ms": self.gc_worst_ms,
        }

    def _on_gc(self, phase: str, info: dict) -> None:
        """The longest garbage collection (it stops every thread) since the last reset."""
        if phase == "start":
            self._gc_began = time.perf_counter()
        elif self._gc_began is not None:
            self.gc_worst_ms = max(self.gc_worst_ms, (time.perf_counter() - self._gc_began) * 1000)

    def __enter__(self) -> LoopLag:
        import threading

        self._gc_began = None
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.get_running_loop().create_task(self._watch())
        threading.Thread(target=self._watchdog, args=(threading.get_ident(),), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._on_gc)
        self._task.cancel()
        self._task = None


def _message(user: str, turn: dict):
    from bot.messages import IncomingMessage, Location

    if "location" in turn:
        return IncomingMessage(user, location=Location(*turn["location"]))
    return IncomingMessage(user, text=turn["text"])


async def _time_kind(handle, name: str, turns: list[dict], repeats: int, tag: str) -> dict:
    """The first reply (cold: a fresh process and connection) and ``repeats`` more (warm), or
    as many as fit in PROBE_BUDGET_S (at least PROBE_MIN_REPEATS: a slow kind takes seconds)."""
    from tests.support.conversations import visible

    times, first_text = [], ""
    began = time.perf_counter()
    for r in range(repeats + 1):
        if r > PROBE_MIN_REPEATS and time.perf_counter() - began > PROBE_BUDGET_S:
            break
        user = f"probe:{tag}:{name}:{r}"
        for turn in turns[:-1]:
            await handle(_message(user, turn))
        msg = _message(user, turns[-1])
        t = time.perf_counter_ns()
        replies = await handle(msg)
        times.append((time.perf_counter_ns() - t) / 1e6)
        first_text = first_text or visible(replies)[:60].replace("\n", " ")
        await asyncio.sleep(0)
    return {"cold_ms": times[0], "warm_ms": times[1:], "reply": first_text}


async def _mixed_replay(handle, cases, kinds, lag: LoopLag, min_turns: int, share: int = 100) -> dict:
    """The conversation test set with one probe message in every ``share`` turns, one after
    another with the loop free in between; every reply is timed and the loop's longest block kept."""
    times: list[float] = []
    k = 0
    lag.reset()
    while len(times) < min_turns:
        for case in cases:
            for turn in case.turns:
                k += 1
                turns = [{"text": turn.say}] if k % share else kinds[(k // share) % len(kinds)][1]
                user = f"mixed:{k}:{case.id}"
                for extra in turns[:-1]:
                    await handle(_message(user, extra))
                t = time.perf_counter_ns()
                await handle(_message(user, turns[-1]))
                times.append((time.perf_counter_ns() - t) / 1e6)
                await asyncio.sleep(0)
    return {"ms": times, **lag.figures()}


async def _replies(app, turns: list[str], tag: str, done: Callable[[float], bool]) -> list[float]:
    """The test set's messages one after another (1 ms apart) until ``done(elapsed s)``; each timed."""
    times: list[float] = []
    began, k = time.perf_counter(), 0
    while not done(time.perf_counter() - began):
        t = time.perf_counter_ns()
        await app.engine.handle(_message(f"{tag}:{k}", {"text": turns[k % len(turns)]}))
        times.append((time.perf_counter_ns() - t) / 1e6)
        k += 1
        await asyncio.sleep(0.001)
    return times


async def _live_reload(app, listing: str, workdir: Path, cases, lag: LoopLag, run: int = 0) -> dict:
    """Replies go on while an edit of one entry of ``listing`` is picked up by the app's shop
    watcher: the loop's longest block from the edit until the new listing serves, and a while
    after (the replaced listing is freed then); and, for comparison, the longest block of the
    same replies for RELOAD_QUIET_S just before the edit (the machine's own share)."""
    from bot.data import watch

    retire_after = getattr(watch, "RETIRE_AFTER", 0.0)  # (a checkout before it had none)

    copy = workdir / "reload-shops.yaml"
    shutil.copy(listing, copy)
    watcher = watch.watch_app(app, copy, interval=0.05, settle=0.05)
    first = await _off_loop_load(app, copy)
    app.shops = first
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(watcher.run(stop))
    edited = await asyncio.to_thread(_edited, copy)  # the editor's work, not the bot's
    turns = [t.say for c in cases for t in c.turns]
    await asyncio.sleep(0.3)
    lag.reset()
    await _replies(app, turns, f"quiet{run}", lambda s: s > RELOAD_QUIET_S)
    quiet = lag.figures()
    lag.reset()
    await asyncio.to_thread(copy.write_bytes, edited)  # the editor's save is not the bot's work
    swapped: list[float] = []

    def done(elapsed: float) -> bool:
        if not swapped and app.shops is not first:
            swapped.append(elapsed)
        return elapsed > 120 or bool(swapped) and elapsed - swapped[0] > retire_after + 1

    times = await _replies(app, turns, f"reload{run}", done)
    stop.set()
    await asyncio.gather(task, return_exceptions=True)
    return {
        "reload_s": swapped[0] if swapped else None,
        **lag.figures(),
        "quiet": quiet,
        "replies_during": len(times),
        "reply_max_ms": max(times) if times else 0.0,
        "shops": len(app.shops),
        "reloads": watcher.reloads,
        "problems": watcher.last_problems[:3],
    }


def _edited(path: Path) -> bytes:
    """The listing at ``path`` with one entry changed (it no longer holds classes)."""
    return path.read_text(encoding="utf-8").replace("holds_classes: true", "holds_classes: false", 1).encode()


async def _off_loop_load(app, path: Path):
    """The listing at ``path`` (the one the probe reloads), loaded as the app loads one."""
    from bot.data.shops import load_shops

    return await asyncio.to_thread(load_shops, path, app.knowledge.municipalities.municipalities)


async def _probe_worker(args: argparse.Namespace) -> dict:
    """In-process probe on one database (its own subprocess)."""
    from bot.app import open_app
    from bot.clock import FixedClock
    from tests.support.conversations import load_cases

    now = datetime.fromisoformat(args.now)
    cases = load_cases()  # before the app: its start-up moves them out of the collector's way with its own
    app = await open_app(
        args.db, knowledge_dir=args.knowledge, shops_file=args.shops, clock=FixedClock(now), watch_shops=False
    )
    result: dict = {}
    try:
        dense, synthetic, office = _probe_targets(args.db, app.knowledge)
        result["targets"] = {"dense": dense, "synthetic": synthetic}
        kinds = probe_kinds(dense, synthetic, office)
        handle = app.engine.handle
        result["kinds"] = {name: await _time_kind(handle, name, turns, args.repeats, "k") for name, turns in kinds}
        with LoopLag() as lag:
            result["mixed"] = await _mixed_replay(handle, cases, kinds, lag, args.min_replies)
            if args.reload:
                result["reloads"] = [
                    await _live_reload(app, args.reload, Path(args.db).parent, cases, lag, run)
                    for run in range(RELOAD_RUNS)
                ]
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        await app.close()
    return result


def _stats(values: list[float]) -> str:
    return f"median {statistics.median(values):7.2f}  p99 {percentile(values, 99):7.2f}  max {max(values):7.2f}"


def _blocks(w: dict) -> str:
    return (
        f"longest event-loop block {w['loop_block_ms']:.1f} ms, the loop's own work in it "
        f"{w.get('loop_block_cpu_ms', float('nan')):.1f} ms (the loop at: {w['loop_block_where'][:110]}); "
        f"longest work between two ticks {w.get('loop_busiest_ms', float('nan')):.1f} ms; longest "
        f"garbage collection {w['gc_ms']:.1f} ms"
    )


def report_probe(scale: int, n_classes: int, w: dict, misses: list[str]) -> None:
    print(
        f"-- {scale}x classes ({n_classes:,}); densest municipality {w['targets']['dense']}, "
        f"synthetic one {w['targets']['synthetic']} --"
    )
    print(f"  {'kind':44} {'cold ms':>9}   {'n':>3}  warm ms")
    for name, k in w["kinds"].items():
        print(f"  {name:44} {k['cold_ms']:9.2f}   {len(k['warm_ms']):3d}  {_stats(k['warm_ms'])}   | {k['reply'][:34]}")
        worst = max(k["cold_ms"], *k["warm_ms"])
        if scale == 100 and worst > TARGET_KIND_MAX_MS:
            misses.append(f"{scale}x: {name} max {worst:.1f} ms > {TARGET_KIND_MAX_MS:.0f} ms")
    m = w["mixed"]
    p99 = percentile(m["ms"], 99)
    print(f"  mixed replay ({len(m['ms']):,} replies, 1 % probe kinds): {_stats(m['ms'])} ms; {_blocks(m)}")
    if scale == 100 and p99 > TARGET_P99_MS:
        misses.append(f"{scale}x: mixed replay p99 {p99:.2f} ms > {TARGET_P99_MS} ms")
    if m["loop_block_ms"] > TARGET_LOOP_BLOCK_MS:
        misses.append(f"{scale}x: event loop blocked {m['loop_block_ms']:.1f} ms > {TARGET_LOOP_BLOCK_MS:.0f} ms")
    for run, r in enumerate(w.get("reloads", ()), 1):
        print(
            f"  live reload {run} of a {r['shops']:,}-shop listing: served after {r['reload_s'] or float('nan'):.2f} s, "
            f"{r['replies_during']} replies meanwhile (longest {r['reply_max_ms']:.1f} ms); {_blocks(r)}\n"
            f"    the same replies for {RELOAD_QUIET_S:.0f} s just before the edit: {_blocks(r['quiet'])}"
        )
        if r["loop_block_ms"] > TARGET_LOOP_BLOCK_MS:
            misses.append(
                f"reload {run}: event loop blocked {r['loop_block_ms']:.1f} ms > {TARGET_LOOP_BLOCK_MS:.0f} ms"
            )
    print(f"  peak RSS of the probe process: {w['peak_rss_mb']:.0f} MB")


def report_issue_table(probes: dict[int, dict]) -> None:
    """The issue's table: the worst of cold and warm (max) and the warm median, per scale."""
    scales = sorted(probes)
    print("| message | " + " | ".join(f"{s}x ({probes[s]['classes']:,} classes)" for s in scales) + " |")
    print("|---|" + "---|" * len(scales))
    for label, kind in ISSUE_ROWS:
        cells = []
        for s in scales:
            k = probes[s]["kinds"][kind]
            cells.append(
                f"median {statistics.median(k['warm_ms']):.1f} ms, max {max(k['cold_ms'], *k['warm_ms']):.1f} ms"
            )
        print(f"| {label} | " + " | ".join(cells) + " |")


def scale_section(prepared: dict, args: argparse.Namespace, workdir: Path, misses: list[str]) -> None:
    """The probe at each class scale (the 1x-shop listing), then a live reload of each shop scale."""
    me = [sys.executable, str(Path(__file__).resolve())]
    national = prepared["national"]
    repeats = QUICK_PROBE_REPEATS if args.quick else PROBE_REPEATS
    print()
    print("== scale probe: every kind of message, event-loop blocks ==")
    probes: dict[int, dict] = {}
    for scale in args.class_scales:
        db = workdir / f"probe-{scale}x.db"
        made = _scaled(me, national["db"], db, scale)
        print(
            f"{scale}x classes: {made['classes']:,} "
            + (
                f"made in {made['make_s']:.1f} s (INSERT … SELECT, indexes rebuilt)"
                if not made.get("reused")
                else "(kept from an earlier run with --keep: same source)"
            )
        )
        sys.stdout.flush()
        listing = national["listings"][str(max(args.shop_scales))] if scale == args.class_scales[-1] else ""
        cmd = [
            *me,
            "--probe-worker",
            "--db",
            str(db),
            "--knowledge",
            national["knowledge"],
            "--shops",
            national["shops"],
            "--now",
            prepared["now"],
            "--repeats",
            str(repeats),
            "--min-replies",
            str(QUICK_TIMED_TEXT_REPLIES if args.quick else 2000),
            "--reload",
            listing,
        ]
        w = _subprocess_json(cmd, f"probe {scale}x")
        w["classes"] = made["classes"]
        report_probe(scale, made["classes"], w, misses)
        probes[scale] = w
        if not args.keep:
            db.unlink(missing_ok=True)
        sys.stdout.flush()
    print()
    print("The issue's table (warm median and max of cold and warm, per class scale):")
    report_issue_table(probes)


def startup_section(prepared: dict, args: argparse.Namespace, workdir: Path, misses: list[str]) -> None:
    """Start-up to first reply and peak RSS with a cold parse cache (a fresh MADOGUCHI_CACHE)
    and a warm one, per shop scale."""
    national = prepared["national"]
    runs = QUICK_STARTUP_RUNS if args.quick else STARTUP_RUNS
    print()
    print("== start-up after an edit: cold and warm parse cache, per shop scale ==")
    for scale in args.shop_scales:
        data = dict(national, shops=national["listings"][str(scale)])
        cold, rss_cold = measure_startup_cache(data, runs, workdir, cold=True)
        warm, rss_warm = measure_startup_cache(data, runs, workdir, cold=False)
        target = TARGET_COLD_STARTUP_S if scale == 1 else TARGET_COLD_STARTUP_5X_S
        mc, mw = statistics.median(cold), statistics.median(warm)
        print(
            f"{scale}x shops ({scale * N_SHOPS:,}): cold {mc:.2f} s (max {max(cold):.2f}), peak RSS "
            f"{statistics.median(rss_cold):.0f} MB; warm {mw:.2f} s (max {max(warm):.2f}), peak RSS "
            f"{statistics.median(rss_warm):.0f} MB   targets cold <= {target} s"
            + (f", {TARGET_RSS_MB:.0f} MB, warm <= {TARGET_WARM_STARTUP_S} s" if scale == 1 else "")
        )
        if mc > target:
            misses.append(f"{scale}x shops: cold start-up {mc:.2f} s > {target} s")
        if scale == 1 and statistics.median(rss_cold) > TARGET_RSS_MB:
            misses.append(f"1x shops: cold peak RSS {statistics.median(rss_cold):.0f} MB > {TARGET_RSS_MB:.0f} MB")
        if scale == 1 and mw > TARGET_WARM_STARTUP_S:
            misses.append(f"1x shops: warm start-up {mw:.2f} s > {TARGET_WARM_STARTUP_S} s")
        sys.stdout.flush()


def measure_startup_cache(data: dict, runs: int, workdir: Path, cold: bool) -> tuple[list[float], list[float]]:
    """Start-up to the first reply and the child's peak RSS, with a fresh MADOGUCHI_CACHE each
    run (cold) or one filled by a first, untimed run (warm); a fresh copy of the database each run."""
    times, rss = [], []
    byte_code_ready(data, workdir)
    for n in range(runs + (0 if cold else 1)):
        cache = workdir / (f"cache-cold-{n}" if cold else "cache-warm")
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
        env = startup_env(workdir)
        env["MADOGUCHI_CACHE"] = str(cache)
        db = workdir / "startup.db"
        shutil.copy(data["db"], db)
        elapsed, peak = first_reply(dict(data, db=str(db)), n, env, workdir)
        if cold or n > 0:  # the first warm run fills the cache
            times.append(elapsed)
            rss.append(peak)
    return times, rss


# ======================================================================================
# Report
# ======================================================================================


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(name: str, data: dict, startup: list[float], w: dict, national: bool, misses: list[str]) -> None:
    c = data["counts"]
    print(
        f"data: {c['municipalities']:,} municipalities, {c['shops']:,} shops "
        f"({c['venue_municipalities']:,} municipalities with one), {c['classes']:,} classes"
    )
    med = statistics.median(startup)
    print(
        f"start-up to first reply: {med:.2f} s median of {len(startup)} "
        f"(min {min(startup):.2f} s, max {max(startup):.2f} s)   target <= {TARGET_STARTUP_S} s: "
        f"{_verdict(med <= TARGET_STARTUP_S)}"
    )
    if med > TARGET_STARTUP_S:
        misses.append(f"{name}: start-up {med:.2f} s > {TARGET_STARTUP_S} s")
    print(f"  of which open_app in process (load, validate, build): {w['open_s']:.2f} s")
    text, loc = w["text_ms"], w["loc_ms"]
    both = text + loc
    p99 = percentile(both, 99)
    tag = "" if national else " (the target is for national scale)"
    print(
        f"reply latency, all {len(both):,} replies: p50 {percentile(both, 50):.2f} ms, p99 {p99:.2f} ms   "
        f"target p99 <= {TARGET_P99_MS} ms: {_verdict(p99 <= TARGET_P99_MS)}{tag}"
    )
    if national and p99 > TARGET_P99_MS:
        misses.append(f"{name}: reply p99 {p99:.2f} ms > {TARGET_P99_MS} ms")
    print(
        f"  text ({len(text):,} conversation turns, {w['passes']} passes): "
        f"p50 {percentile(text, 50):.2f} ms, p99 {percentile(text, 99):.2f} ms, max {max(text):.1f} ms"
    )
    print(
        f"  location ({len(loc):,} messages): p50 {percentile(loc, 50):.2f} ms, p99 {percentile(loc, 99):.2f} ms, "
        f"max {max(loc):.1f} ms"
    )
    if w.get("cpu_ms"):
        # On a shared machine a reply also waits for the CPU: its own CPU time tells work from waiting.
        cpu = w["cpu_ms"]
        print(
            f"  CPU time of the loop's thread, all replies: p50 {percentile(cpu, 50):.2f} ms, "
            f"p99 {percentile(cpu, 99):.2f} ms (the rest of a reply's time is waiting: the database's "
            "thread, other processes)"
        )
    full = w["gc_full_ms"]
    if full:
        print(
            f"  full (generation 2) garbage collections during the timed run: {len(full)}, "
            f"{sum(full):.0f} ms in all, longest {max(full):.0f} ms"
        )
    else:
        print("  full (generation 2) garbage collections during the timed run: none")
    rss = w["peak_rss_mb"]
    hwm = f", VmHWM {w['vmhwm_mb']:.1f} MB, VmRSS at the end {w['vmrss_mb']:.1f} MB" if w.get("vmhwm_mb") else ""
    print(
        f"peak RSS after the latency run: {rss:.1f} MB (ru_maxrss; after open_app {w['rss_after_open_mb']:.1f} MB{hwm})   "
        f"target <= {TARGET_RSS_MB:.0f} MB: {_verdict(rss <= TARGET_RSS_MB)}{tag}"
    )
    if national and rss > TARGET_RSS_MB:
        misses.append(f"{name}: peak RSS {rss:.1f} MB > {TARGET_RSS_MB:.0f} MB")
    if national:
        print("accuracy: n/a (synthetic shops; the test set expects the real Yamaguchi listing)")
    else:
        (pc, nc), (pt, nt) = w["accuracy"]["cases"], w["accuracy"]["turns"]
        print(f"accuracy: {pc}/{nc} cases ({100 * pc / nc:.1f}%), {pt}/{nt} turns ({100 * pt / nt:.1f}%)")
        parts = w["accuracy"].get("parts", {})
        if parts:
            print(
                "  by part (tests/support/conversations.part_of; tuned only on the first): "
                + ", ".join(
                    f"{name} {r}/{n} ({100 * r / n:.1f}%)" for name, (r, n) in sorted(parts.items(), reverse=True)
                )
            )
        failed = w["accuracy"]["failed"]
        if failed:
            print(
                f"  failing cases: {', '.join(failed[:12])}" + (f" … (+{len(failed) - 12})" if len(failed) > 12 else "")
            )


async def _prepare(out: Path) -> dict:
    """Both data sets, made in a subprocess so the parent stays small (see ``main``)."""
    now = fixed_now()
    t = time.perf_counter()
    bundled = await make_bundled(out, now)
    bundled["prep_s"] = time.perf_counter() - t
    national_dir = out / "national"
    if national_dir.exists():
        shutil.rmtree(national_dir)
    national_dir.mkdir()
    t = time.perf_counter()
    national = await make_national(national_dir, now)
    national["prep_s"] = time.perf_counter() - t
    return {"now": now.isoformat(), "bundled": bundled, "national": national}


def _subprocess_json(cmd: list[str], what: str) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT), timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def core_section(prepared: dict, args: argparse.Namespace, workdir: Path, misses: list[str]) -> None:
    """Start-up, reply latency, peak RSS and accuracy on the bundled and the national data set."""
    me = [sys.executable, str(Path(__file__).resolve())]
    min_replies = QUICK_TIMED_TEXT_REPLIES if args.quick else MIN_TIMED_TEXT_REPLIES
    runs = QUICK_STARTUP_RUNS if args.quick else STARTUP_RUNS
    for name in ("bundled", "national"):
        data, national = prepared[name], name == "national"
        print()
        title = (
            "national: generated 1,741 municipalities / 6,000 shops / 90,000 classes"
            if national
            else "bundled: knowledge/ + shops.yaml + demo classes"
        )
        print(f"== {title} ==")
        print(
            f"data preparation: {data['prep_s']:.1f} s"
            + (" (generate, validate through open_app, upsert_many)" if national else " (open_app demo=True)")
        )
        print("start-up command: " + " ".join(startup_command(data)))
        sys.stdout.flush()
        startup = measure_startup(data, runs, workdir)
        db = workdir / f"{name}-worker.db"
        shutil.copy(data["db"], db)
        cmd = [
            *me,
            "--worker",
            "--db",
            str(db),
            "--knowledge",
            data["knowledge"],
            "--shops",
            data["shops"],
            "--now",
            prepared["now"],
            "--min-replies",
            str(min_replies),
        ]
        w = _subprocess_json(cmd, f"{name} worker")
        report(name, data, startup, w, national, misses)
        sys.stdout.flush()
        if national and args.profile:
            shutil.copy(data["db"], db)
            prof = _subprocess_json([*cmd[:-1], str(QUICK_TIMED_TEXT_REPLIES), "--profile"], "profile")
            print("cProfile of the national reply run (cumulative, top entries):")
            print(prof["profile"])


def _understanding_worker() -> dict:
    """The cost of each stage of understanding, per message of the conversation set (run in its own
    subprocess, so the memory figures are the understanding's): the analyser on a text it has not
    seen, the concepts of its words, retrieval, the character scorer, a whole parse; and memory
    after building the understanding and after analysing every message, split into the bot's own
    (anonymous) pages and the dictionary's file pages."""
    from bot.config import knowledge_dir
    from bot.data.knowledge import load_knowledge
    from bot.understanding.morphology import shared_analyser
    from bot.understanding.normalize import clean
    from bot.understanding.parser import Understanding, _cache_files
    from tests.support.conversations import load_cases

    today = fixed_now().date()
    memory = {"start": _memory()}
    knowledge = load_knowledge(knowledge_dir())
    kept, _ = _cache_files(knowledge)
    warm = kept is not None and kept.exists()
    understanding = Understanding(knowledge)
    memory["built (analyses " + ("kept)" if warm else "made)")] = _memory()
    meaning = understanding.meaning
    texts = [clean(t.say)[:500] for c in load_cases() for t in c.turns if t.say.strip()]
    fresh = shared_analyser()  # its _analyse: no cache in the way
    stages: dict[str, list[float]] = {k: [] for k in ("analyser", "concepts", "retrieval", "scorer", "parse")}
    clock = time.perf_counter
    for text in texts:
        t0 = clock()
        words = fresh._analyse(text)
        t1 = clock()
        meaning.index.find(words, None, meaning.known)
        t2 = clock()
        terms = meaning.terms(text)
        t3 = clock()
        meaning.retriever.search(terms)
        t4 = clock()
        scoring = understanding._forms(text)[3]
        t5 = clock()
        understanding.scorer.score(scoring)
        t6 = clock()
        understanding._parse_cached.cache_clear()
        t7 = clock()
        understanding.parse(understanding.focus(text, today), today)
        t8 = clock()
        for name, dt in zip(stages, (t1 - t0, t2 - t1, t4 - t3, t6 - t5, t8 - t7)):
            stages[name].append(dt * 1000)
    memory["after messages"] = _memory()
    return {
        "texts": len(texts),
        "stages": {k: [percentile(v, 50), percentile(v, 99)] for k, v in stages.items()},
        "memory": memory,
    }


def _memory() -> dict:
    """Resident memory now (MB): all, anonymous (the process's own) and file-backed (mapped files,
    here mostly the dictionary: clean pages the kernel shares between processes and can drop)."""
    rollup = {}
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
            key, _, value = line.partition(":")
            rollup[key.strip()] = int(value.split()[0]) / 1024
    except OSError:
        return {}
    return {
        "rss": rollup.get("Rss", 0.0),
        "anonymous": rollup.get("Anonymous", 0.0),
        "file": rollup.get("Rss", 0.0) - rollup.get("Anonymous", 0.0),
    }


def understanding_section(prepared: dict, args: argparse.Namespace, workdir: Path, misses: list[str]) -> None:
    """Per-stage cost of understanding on the conversation set, and its memory."""
    w = _subprocess_json([sys.executable, str(Path(__file__).resolve()), "--understanding-worker"], "understanding")
    print()
    print(f"== understanding: each stage on the {w['texts']:,} messages of the conversation set ==")
    labels = {
        "analyser": "analyser (MeCab/UniDic-lite, a text not seen before)",
        "concepts": "concepts of the words",
        "retrieval": "retrieval (BM25 over every answer)",
        "scorer": "character scorer (rapidfuzz)",
        "parse": "whole parse (focus, names, dates, all the above)",
    }
    for name, (p50, p99) in w["stages"].items():
        print(f"  {labels[name]:55s} p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    for when, m in w["memory"].items():
        if m:
            print(
                f"  memory {when:26s} RSS {m['rss']:6.1f} MB = own (anonymous) {m['anonymous']:6.1f} MB"
                f" + mapped files {m['file']:6.1f} MB"
            )


# Sections in the order they run; ``--sections`` picks some (a later section may be added here).
SECTIONS = {
    "core": core_section,
    "understanding": understanding_section,
    "startup": startup_section,
    "scale": scale_section,
}


def _scales(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(x) for x in text.split(",") if x.strip()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--keep", metavar="DIR", help="generate the data into DIR and keep it")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of the national reply run (slower; figures are then inflated)",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"which sections to run, comma-separated (default: {','.join(SECTIONS)})",
    )
    parser.add_argument(
        "--class-scales",
        type=_scales,
        default=CLASS_SCALES,
        metavar="1,10,100",
        help="class scales of the probe (multiples of 90,000 classes)",
    )
    parser.add_argument(
        "--shop-scales",
        type=_scales,
        default=SHOP_SCALES,
        metavar="1,5",
        help="shop scales of start-up and live reload (multiples of 6,000 shops)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--understanding-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--scale-db", nargs=3, help=argparse.SUPPRESS)
    for opt in ("--db", "--knowledge", "--shops", "--now", "--reload"):  # worker options
        parser.add_argument(opt, help=argparse.SUPPRESS)
    parser.add_argument("--min-replies", type=int, default=MIN_TIMED_TEXT_REPLIES, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=PROBE_REPEATS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(asyncio.run(_worker(args))))
        return 0
    if args.understanding_worker:
        print(json.dumps(_understanding_worker()))
        return 0
    if args.probe_worker:
        print(json.dumps(asyncio.run(_probe_worker(args)), ensure_ascii=False))
        return 0
    if args.prepare:
        print(json.dumps(asyncio.run(_prepare(Path(args.prepare)))))
        return 0
    if args.scale_db:
        src, dst, factor = args.scale_db
        print(json.dumps(scale_database(src, Path(dst), int(factor))))
        return 0
    sections = [name.strip() for name in args.sections.split(",") if name.strip()]
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    args.shop_scales = tuple(s for s in args.shop_scales if s in SHOP_SCALES) or (1,)

    # The parent imports nothing of the bot: on Linux a child's ru_maxrss starts from the
    # high-water mark of the process that spawned it, so a fat parent would inflate it.
    began = time.perf_counter()
    print("Madoguchi core benchmark" + (" (--quick)" if args.quick else ""))
    print(
        f"machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} {platform.machine()}"
    )
    print(f"command: {Path(sys.executable).name} {' '.join(sys.argv)}   (cwd {Path.cwd()})")
    sys.stdout.flush()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    misses: list[str] = []
    try:
        me = [sys.executable, str(Path(__file__).resolve())]
        prepared = _subprocess_json([*me, "--prepare", str(workdir)], "data preparation")
        print(f"fixed clock: {prepared['now']} (tests/conftest.py NOW); seed {SEED}")
        for name in sections:
            SECTIONS[name](prepared, args, workdir, misses)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(
        f"targets: p99 reply <= {TARGET_P99_MS} ms and peak RSS <= {TARGET_RSS_MB:.0f} MB at national scale; "
        f"start-up to first reply <= {TARGET_STARTUP_S} s; at 100x classes every kind max <= "
        f"{TARGET_KIND_MAX_MS:.0f} ms; event loop never blocked > {TARGET_LOOP_BLOCK_MS:.0f} ms; cold start-up "
        f"<= {TARGET_COLD_STARTUP_S} s (5x shops {TARGET_COLD_STARTUP_5X_S} s), warm <= {TARGET_WARM_STARTUP_S} s"
    )
    print("missed: " + ("; ".join(misses) if misses else "none"))
    print(f"total benchmark time: {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
