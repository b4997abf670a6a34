"""Residents' secrets: what must never be stored, found and masked before anything else sees
a message (``secrets``), and the warnings the engine answers first (``screening``).
Platform-neutral; touches no store."""
