"""The LINE channel: a Messaging API webhook on aiohttp, replies through line-bot-sdk v3.

One file, one idea:

- ``config``    — the channel's settings from the environment (secrets never shown);
- ``signature`` — the ``x-line-signature`` HMAC check;
- ``events``    — a webhook body and its events → ``Inbound`` (``IncomingMessage`` + LINE facts);
- ``render``    — ``Reply`` objects → LINE message objects within LINE's limits;
- ``retry``     — backoff and which API failures are worth retrying;
- ``delivery``  — reply-token replies with the optional push fallback;
- ``multicast`` — class-news delivery in batches of 500 with retry keys and the quota check;
- ``seen``      — the handled ``webhookEventId`` record (redeliveries are handled once);
- ``handler``   — one event: engine, follow/unfollow, the gentle "unsupported" reply;
- ``workers``   — background queues: per-resident order, bounded, clean shutdown;
- ``server``    — the aiohttp application (webhook and health endpoint);
- ``command``   — ``madoguchi line``.

Nothing outside this package imports it; only ``command`` is imported by the
command line, and it loads linebot and aiohttp only when the command runs. The
package touches its environment variables, its webhook port, the LINE API, and the
database through the core stores (plus the ``seen_events`` table). It never writes
a secret anywhere.
"""
