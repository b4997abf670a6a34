"""The Telegram channel (python-telegram-bot v22): ``madoguchi telegram``.

Modules, one idea each: ``command`` (the CLI hook; imports python-telegram-bot only in
``run``), ``settings`` (token, API base URL, webhook and limits), ``texts`` (the channel's
own words and command menu), ``ratelimiter`` (the outgoing limiter plugged into PTB),
``rendering`` (``Reply`` → Telegram messages), ``adapter`` (updates → ``IncomingMessage``;
sending), ``handlers`` (the resident-facing handlers), ``staff`` (/broadcast, /reload,
/stats), ``broadcast`` (previews waiting for their confirm button), ``sender`` (delivery
for the broadcast engine), ``channel`` (the parts shared by the handlers and
``build_application``), ``webhook`` (the aiohttp webhook server) and ``runner`` (polling or
webhook inside ``bot.runtime``). Pacing, flood control, backoff, ordering, text splitting
and log redaction are ``bot.delivery``'s, shared with the other channels.

Importing this package imports nothing from python-telegram-bot.
"""
