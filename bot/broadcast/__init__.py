"""Broadcasts, scheduled broadcasts and class reminders: one platform-neutral engine.

One file, one idea:

- ``sender``    — the ``Sender`` protocol every channel implements, ``Result``, and the
  console sender (JSON lines), so a broadcast can be tried without any platform;
- ``senders``   — finding the configured channels' senders (``bot.channels.<name>.sender``)
  and ``--sender module:factory`` plug-ins;
- ``limiter``   — a strict rate limiter: never more than N sends in any one-second window,
  and a minimum interval per recipient;
- ``digest``    — the text of a digest of a municipality's upcoming classes;
- ``engine``    — delivering one broadcast from the database: recipients fixed at the start,
  every delivery recorded, retries with backoff, resumable after a crash or ``kill -9``;
- ``service``   — what staff do (preview, confirm, schedule, cancel, resume), with the
  permission check and the audit log on every action;
- ``texts``     — the preview and the final report, in Japanese and English;
- ``reminders`` — delivering residents' class reminders the day before;
- ``scheduler`` — the loop a running bot (or ``madoguchi broadcast --due`` from cron) uses to
  start scheduled broadcasts, resume orphaned ones and send due reminders.

Nothing here imports a platform SDK.
"""
