"""The LINE channel: a Messaging API webhook on aiohttp, replies through line-bot-sdk v3.

Modules: ``config`` (settings from the environment), ``signature`` (the HMAC check),
``events`` (webhook bodies → ``Inbound``), ``render`` (``Reply`` → LINE messages),
``retry`` (which API failures are worth another try), ``delivery`` (reply token, push
fallback), ``quota`` (the monthly quota), ``sender`` (the broadcast engine's sender),
``handler`` (one event through the core), ``server`` (the aiohttp app) and ``command``
(``madoguchi line``, loading linebot and aiohttp only when it runs). Touches the LINE API,
its port and its environment variables; never writes a secret anywhere.
"""
