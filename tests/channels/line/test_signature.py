"""The x-line-signature check: base64 HMAC-SHA256 of the raw body, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.channels.line import signature
from bot.channels.line.signature import sign, verify

SECRET = "a-channel-secret"
BODY = '{"destination":"U1","events":[{"type":"message","message":{"type":"text","text":"宇部のドコモ"}}]}'.encode()


def test_sign_is_the_base64_hmac_sha256_of_the_raw_bytes():
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert sign(BODY, SECRET) == expected
    # a known vector (computed once with openssl dgst -sha256 -hmac secret -binary | base64)
    assert sign(b"{}", "secret") == "dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM="


def test_verify_accepts_only_the_exact_signature():
    good = sign(BODY, SECRET)
    assert verify(BODY, good, SECRET)
    assert not verify(BODY, good, "another-secret")
    assert not verify(BODY + b"\n", good, SECRET)
    assert not verify(BODY, good.lower(), SECRET)
    assert not verify(BODY, good[:-1], SECRET)
    assert not verify(BODY, " " + good, SECRET)
    assert not verify(BODY, "", SECRET)
    assert not verify(BODY, None, SECRET)
    assert not verify(BODY, "署名", SECRET)
    assert not verify(BODY, good, "")


def test_the_comparison_is_constant_time(monkeypatch):
    seen = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature.hmac, "compare_digest", spy)
    assert verify(BODY, sign(BODY, SECRET), SECRET)
    assert not verify(BODY, "x" * 44, SECRET)
    assert len(seen) == 2 and all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in seen)
