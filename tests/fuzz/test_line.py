"""Fuzzing the LINE webhook with Hypothesis over real HTTP: signed bodies of hostile events of
every type (and unsigned, forged or non-JSON ones) get 200, 400 or 401 — never a 500 —, no
handler logs a traceback, and afterwards a resident's normal question gets its normal answer."""

from __future__ import annotations

import logging
from collections import Counter

from hypothesis import given, strategies as st

from tests.support import line_fake as lf
from tests.support.hostile import FUZZ, line_bodies

UBE_DOCOMO = "ドコモショップフジグラン宇部店"


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]

STATUSES: Counter[int] = Counter()  # every answer of the fuzz run, checked afterwards


@FUZZ
@given(body=line_bodies, signed=st.sampled_from(["sign", "sign", "sign", None, "forged=="]))
async def test_hostile_webhooks_never_break_the_server(line, caplog, body, signed):
    caplog.set_level(logging.WARNING)
    status, _ = await line.post(raw=body, signature=signed)
    assert status in (200, 400, 401), status
    STATUSES[status] += 1
    if signed != "sign":
        assert status in (400, 401)  # unsigned or forged: refused before the body is read as events
    await line.idle()
    assert tracebacks(caplog) == []


async def test_after_hostile_webhooks_a_normal_question_is_answered(line, caplog):
    caplog.set_level(logging.WARNING)
    assert STATUSES[200] and STATUSES[400] and STATUSES[401], STATUSES  # the run reached every door
    for body in (b"\xff", b"{}", b'{"events": [{"type": "message"}]}', b'{"events": "x"}'):
        await line.post(raw=body)
    call = await line.send(lf.text(lf.user_id("after-fuzz"), "宇部のドコモ"))
    assert UBE_DOCOMO in call.messages[0]["text"]
    assert tracebacks(caplog) == []
