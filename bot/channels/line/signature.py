"""The webhook signature: ``x-line-signature`` is the base64 HMAC-SHA256 of the raw
request body keyed with the channel secret.

Lives here: ``sign`` (what LINE computes; tests and benchmarks use it too) and
``verify`` (a constant-time comparison). Pure functions: touch nothing, log nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "x-line-signature"


def sign(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """True only when ``signature`` is exactly the signature of ``body``.

    Compares bytes with ``hmac.compare_digest`` so the time taken does not tell
    how much of a forged signature was right."""
    if not signature or not secret:
        return False
    try:
        given = signature.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given, sign(body, secret).encode("ascii"))
