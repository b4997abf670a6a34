"""The Telegram channel (python-telegram-bot v22): ``madoguchi telegram``.

Modules, one idea each:

* ``command``   — the CLI hook (``madoguchi telegram``); imports python-telegram-bot only in ``run``.
* ``settings``  — token, API base URL, webhook and limits from the environment and options.
* ``secrecy``   — keeps the bot token and webhook secret out of logs and error messages.
* ``texts``     — what this channel itself says (ja/en), and the command menu.
* ``pacing``    — sliding windows and token buckets on an injectable clock (pure).
* ``flood``     — per-resident flood control of incoming messages (pure).
* ``ratelimiter`` — the outgoing limiter plugged into PTB: 30/s overall, per chat, groups,
  ``RetryAfter`` honoured, timeouts and network errors retried with backoff.
* ``rendering`` — ``Reply`` → Telegram messages (4,096-character parts, inline keyboards,
  URL buttons, venues, short callback data).
* ``adapter``   — Telegram updates → ``IncomingMessage``; sending replies (blocked users).
* ``handlers``  — the resident-facing PTB handlers and the error handler.
* ``staff``     — /broadcast, /reload, /stats with permission checks and the audit log.
* ``broadcast`` — the /broadcast previews waiting for their confirm button (delivery is
  ``bot.broadcast``'s engine, through ``sender``).
* ``sender``    — Telegram delivery for the staff side's broadcast engine (``bot.broadcast``,
  ``madoguchi broadcast``).
* ``channel``   — the runtime parts shared by the handlers, and ``build_application``.
* ``webhook``   — the aiohttp webhook server with the secret-token check.
* ``runner``    — polling or webhook life cycle: start, register commands, stop on a signal.

Importing this package imports nothing from python-telegram-bot.
"""
