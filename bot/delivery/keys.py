"""Idempotency keys: the same key for the same request on every attempt, so that a platform
that remembers keys refuses a repeat instead of delivering twice (LINE's
``X-Line-Retry-Key``; a 409 then means "accepted before").

Lives here: ``retry_key`` (a UUID, the format LINE requires, made of the parts that name the
request; the namespace is fixed, so a key is the same after a restart). Pure.
"""

from __future__ import annotations

import uuid

RETRY_KEY_NAMESPACE = uuid.UUID("7d4b1b8e-6f0e-5b7c-9a55-6d61646f6775")  # fixed: keys are reproducible


def retry_key(*parts: str) -> str:
    """A UUID that is the same for the same parts (and differs when any part does)."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, "\x1f".join(parts)))
