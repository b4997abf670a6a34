"""Fuzzing the LINE webhook with Hypothesis over real HTTP: signed bodies of hostile events of
every type (and unsigned, forged or non-JSON ones) get 200, 400 or 401 — never a 500 —, no
handler logs a traceback, and after each of them the resident's normal question gets its normal
answer from the same server."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from tests.support import line_fake as lf
from tests.support.hostile import FUZZ, line_bodies

UBE_DOCOMO = "ドコモショップフジグラン宇部店"
RESIDENT = "U" + "a" * 32  # the user most hostile events come from (tests.support.hostile)


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


@FUZZ
@given(body=line_bodies, signed=st.sampled_from(["sign", "sign", "sign", None, "forged=="]))
async def test_hostile_webhooks_never_break_the_server(line, caplog, body, signed):
    caplog.set_level(logging.WARNING)
    status, _ = await line.post(raw=body, signature=signed)
    assert status in (200, 400, 401), status
    if signed != "sign":
        assert status in (400, 401)  # unsigned or forged: refused before the body is read as events
    await line.idle()
    # afterwards, on the same server, the resident's normal question gets its normal answer
    call = await line.send(lf.text(RESIDENT, "宇部のドコモ"))
    assert UBE_DOCOMO in call.messages[0]["text"]
    assert tracebacks(caplog) == []


async def test_each_door_answers_as_it_should(line):
    assert (await line.post(lf.text(RESIDENT, "こんにちは")))[0] == 200
    assert (await line.post(raw=b"\xff"))[0] == 400
    assert (await line.post(raw=b"{}", signature="forged=="))[0] == 401
    assert (await line.post(raw=b"{}", signature=None))[0] == 400
