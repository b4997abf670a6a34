"""Hostile input for the fuzz tests, as Hypothesis strategies: what a stranger, a broken client
or a confused resident may send each of Madoguchi's doors.

Lives here: ``console_lines`` (one line of ``madoguchi chat --jsonl`` input: raw bytes that may
not be UTF-8 or JSON, JSON of any shape, and messages whose fields are the wrong type, too
long, full of control characters, lone surrogates, forged button data or impossible places),
``postbacks`` (button data built from the kinds the engine knows, with hostile arguments),
``csv_files`` (a good class schedule mutated byte by byte: stray quotes and delimiters, BOMs
and other encodings spliced in, cells blown up, bytes cut or repeated), ``line_events`` (LINE
webhook events of every type with hostile fields) and ``telegram_updates`` (Telegram updates,
well-formed and not). Settings: ``FUZZ`` (bounded, deterministic, no example database;
``MADOGUCHI_FUZZ_EXAMPLES`` raises the count for a longer run).
"""

from __future__ import annotations

import json
import os
import random

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.dialogue.actions import KINDS as ACTION_KINDS

EXAMPLES = int(os.environ.get("MADOGUCHI_FUZZ_EXAMPLES", "100"))  # more for a longer local run
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every kind of button data the bot makes, and some it does not.
KINDS = [*ACTION_KINDS, "remind:cancel", "tgb:send", "nonsense", ""]
WORDS = [
    "宇部市",
    "宇部",
    "山口市",
    "東京都",
    "入門",
    "mynumber",
    "level=入門",
    "topic=mynumber",
    "topic=%_%",
    "*",
    "yes",
    "no",
    "ja",
    "en",
    "1",
    "²",
    "①",
    str(2**63),
    "-1",
    "9" * 40,
    "../../etc",
    "' OR 1=1 --",
    "=1+1",
    "\x00",
]

hostile_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(WORDS),
    st.builds(lambda s, n: s * n, st.sampled_from(["あ", "%", "\u200b", "🙂", "\t", "\r", "ｱ"]), st.integers(0, 3000)),
    st.text(alphabet=st.sampled_from(list("0123456789 -暗証番号マイナンバー保険証")), max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),  # lone surrogates
)
postbacks = st.one_of(
    hostile_text,
    st.builds(
        lambda k, parts: ":".join([k, *parts]),
        st.sampled_from(KINDS),
        st.lists(st.one_of(st.sampled_from(WORDS), hostile_text), max_size=3),
    ),
)
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), hostile_text
)
json_values = st.deferred(
    lambda: st.one_of(
        _leaves,
        _leaves,
        st.lists(json_values, max_size=3),
        st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    )
)
coordinates = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30), hostile_text, st.none()
)
users = st.one_of(st.sampled_from(["u1", "u2", "console:x"]), hostile_text, st.integers(), st.none())
messages = st.fixed_dictionaries(
    {"user": users},
    optional={
        "text": st.one_of(hostile_text, json_values),
        "postback": st.one_of(postbacks, json_values),
        "location": st.one_of(st.fixed_dictionaries({"lat": coordinates, "lon": coordinates}), json_values),
        "lang": st.one_of(st.sampled_from(["ja", "en", "fr", ""]), json_values),
    },
)


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


console_lines = st.one_of(
    st.builds(_dump, messages),
    st.builds(_dump, json_values),
    st.binary(max_size=200),
    st.builds(lambda b: b"{" + b, st.binary(max_size=50)),
    st.just(b"9" * 5000),  # an integer too long to read
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(1, 20_000)),  # deep nesting
).map(lambda line: line.replace(b"\n", b" "))

# -- class schedules ------------------------------------------------------------------------

SPLICES = [
    b'"',
    b'""',
    b",",
    b"\t",
    b"\r\n",
    b"\n",
    b"\xef\xbb\xbf",
    b"\x82\xa0",
    b"\x81",
    b"\xff\xfe",
    b"\x00",
    "宇部市".encode("cp932"),
    b"=HYPERLINK(1)",
    b"x" * 140_000,
    b'"' + b"a," * 1000,
]


def mutate(good: bytes, rng: random.Random) -> bytes:
    """``good`` with one to six mutations: splices, cuts, repeats or a changed byte (used by
    ``csv_files`` and by ``benchmarks/fuzz_campaign.py``)."""
    data = bytearray(good)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(data))
        action = rng.choice(["splice", "cut", "repeat", "byte"])
        if action == "splice":
            data[at:at] = rng.choice(SPLICES) if rng.random() < 0.7 else rng.randbytes(rng.randint(0, 20))
        elif action == "cut":
            del data[at : at + rng.randint(1, 200)]
        elif action == "repeat":
            data[at:at] = data[at : at + rng.randint(1, 300)] * rng.randint(1, 5)
        elif data:
            data[min(at, len(data) - 1)] = rng.randint(0, 255)
    return bytes(data)


def csv_files(good: bytes) -> st.SearchStrategy[bytes]:
    return st.builds(mutate, st.just(good), st.randoms(use_true_random=False))


# -- LINE and Telegram ----------------------------------------------------------------------

line_sources = st.one_of(
    st.fixed_dictionaries({"type": st.just("user"), "userId": st.one_of(st.just("U" + "a" * 32), hostile_text)}),
    st.fixed_dictionaries({"type": st.sampled_from(["group", "room", "x"]), "groupId": hostile_text}),
    json_values,
)
line_messages = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "id": st.just("1"), "text": hostile_text}),
    st.fixed_dictionaries(
        {"type": st.just("location"), "id": st.just("2"), "latitude": coordinates, "longitude": coordinates}
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["sticker", "image", "video", "audio", "file", "hologram"]), "id": st.just("3")}
    ),
    json_values,
)
line_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "postback", "follow", "unfollow", "join", "beacon", "nonsense"]),
        "source": line_sources,
    },
    optional={
        "mode": st.sampled_from(["active", "standby", ""]),
        "timestamp": st.one_of(st.integers(), json_values),
        "replyToken": st.one_of(st.text(alphabet="abcdef0123456789", min_size=1, max_size=40), json_values),
        "webhookEventId": st.one_of(st.text(max_size=30), json_values),
        "deliveryContext": st.one_of(st.fixed_dictionaries({"isRedelivery": st.booleans()}), json_values),
        "message": line_messages,
        "postback": st.one_of(st.fixed_dictionaries({"data": postbacks}), json_values),
    },
)
line_bodies = st.one_of(
    st.builds(lambda events: _dump({"destination": "Ubot", "events": events}), st.lists(line_events, max_size=4)),
    st.builds(_dump, json_values),
    st.binary(max_size=300),
)

_chat = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(-(10**15), 10**15), hostile_text),
        "type": st.sampled_from(["private", "group", "supergroup", "channel", "x"]),
    }
)
_from = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(1, 10**12), hostile_text), "is_bot": st.booleans(), "first_name": hostile_text},
    optional={"language_code": st.one_of(st.sampled_from(["ja", "en", "xx"]), hostile_text)},
)
_message = st.fixed_dictionaries(
    {"message_id": st.integers(1, 10**9), "date": st.integers(0, 2**31), "chat": _chat},
    optional={
        "from": _from,
        "text": hostile_text,
        "location": st.fixed_dictionaries({"latitude": coordinates, "longitude": coordinates}),
        "sticker": json_values,
    },
)
telegram_updates = st.one_of(
    st.fixed_dictionaries(
        {"update_id": st.integers(1, 2**31)},
        optional={
            "message": _message,
            "edited_message": _message,
            "callback_query": st.fixed_dictionaries(
                {
                    "id": st.text(min_size=1, max_size=10),
                    "from": _from,
                    "chat_instance": st.just("1"),
                    "data": postbacks,
                },
                optional={"message": _message},
            ),
            "my_chat_member": json_values,
        },
    ),
    json_values,
)
telegram_bodies = st.one_of(st.builds(_dump, telegram_updates), st.binary(max_size=300))
