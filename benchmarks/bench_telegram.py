"""Telegram benchmark: updates per second through python-telegram-bot's full Application
pipeline on a fake network, Madoguchi side by side with a bare PTB echo bot, in one run.

    python benchmarks/bench_telegram.py            # 5 rounds of 2,000 updates each, plus the limiter check
    python benchmarks/bench_telegram.py --quick    # 1 round of 500 updates, limiter check shortened

Both Applications get the same fake transport (``tests/support/telegram_fake.FakeRequest``:
a ``BaseRequest`` that answers every Bot API call at once, with recording switched off),
the same ``concurrent_updates`` and the same updates: Telegram-shaped JSON text messages
from 200 residents, the texts of the core's conversation test set. The timed region is the
whole pipeline: ``Update.de_json`` → ``update_queue`` → PTB's update fetcher →
``process_update`` → handlers → ``Bot.send_message`` → (Madoguchi: its rate limiter, with
the limits lifted) → the transport, until ``update_queue.join()`` says every update is done.

* echo: ``MessageHandler(filters.TEXT, reply_text(text))`` — PTB and nothing else.
* Madoguchi: ``build_application`` exactly as ``madoguchi telegram`` runs it (the gate,
  flood control off, per-chat ordering, the engine with the SQLite store, rendering with
  inline keyboards), on the demo database, with the rate limiter's pacing lifted (the fake
  network has no limits; the limiter's bookkeeping and retry wrapper still run).

Target: Madoguchi at >= 50 % of the echo bot's rate. Two more lines explain the figure:

* engine alone: ``Engine.handle`` on the same messages with no Telegram at all (the core's
  cost per turn: understanding, SQLite state load and save);
* replayed: the Madoguchi Application with ``Engine.handle`` replaced by a lookup of the
  very replies the engine gave to these updates (recorded beforehand) — the Telegram
  side's own cost with the real replies (their length, buttons and message count), i.e.
  the rate Madoguchi would reach with an engine that costs nothing.

Then, unless ``--skip-limiter``, a real-time check of the broadcast pacing: a broadcast to
N fake subscribers at 30/s through the sender and the rate limiter, with the achieved rate
over whole seconds and the busiest one-second window (at the fake API's arrival times).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402

from bot.app import open_app  # noqa: E402
from bot.channels.telegram.adapter import user_key  # noqa: E402
from bot.channels.telegram.channel import CONCURRENT_UPDATES, build_application  # noqa: E402
from bot.channels.telegram.settings import Limits, TelegramSettings  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.store.broadcasts import BroadcastStore  # noqa: E402
from bot.store.residents import ResidentStore  # noqa: E402
from tests.conftest import NOW  # noqa: E402
from tests.support.conversations import load_cases  # noqa: E402
from tests.support.telegram_fake import TOKEN, UNLIMITED, FakeRequest, FakeTelegram, Updates  # noqa: E402

TARGET = 0.50
RESIDENTS = 200


def workload(n: int) -> list[dict]:
    """``n`` text updates from ``RESIDENTS`` residents, cycling through the test set's texts."""
    texts = [t.say for c in load_cases() if not c.known_miss for t in c.turns if 0 < len(t.say) <= 200]
    updates = Updates()
    return [updates.text(1_000_000 + i % RESIDENTS, texts[i % len(texts)]) for i in range(n)]


def echo_application(api: FakeTelegram) -> Application:
    application = (
        Application.builder()
        .token(TOKEN)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
        .updater(None)
        .job_queue(None)
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )

    async def echo(update, context) -> None:
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


async def pump(application: Application, updates: list[dict]) -> float:
    """Seconds to push ``updates`` through the running Application until all are done."""
    gc.collect()
    started = time.perf_counter()
    queue, bot = application.update_queue, application.bot
    for data in updates:
        await queue.put(Update.de_json(data, bot))
    await queue.join()
    return time.perf_counter() - started


async def engine_alone(app, updates: list[dict]) -> float:
    from bot.messages import IncomingMessage

    messages = [IncomingMessage(user_key(u["message"]["chat"]["id"]), text=u["message"]["text"]) for u in updates]
    gc.collect()
    started = time.perf_counter()
    # As concurrent as the Application (64 at a time; consecutive messages are from
    # different residents), so database waits overlap as they do there.
    for i in range(0, len(messages), CONCURRENT_UPDATES):
        await asyncio.gather(*(app.engine.handle(m) for m in messages[i : i + CONCURRENT_UPDATES]))
    return len(messages) / (time.perf_counter() - started)


async def measure(rounds: int, per_round: int) -> dict:
    logging.disable(logging.WARNING)  # the engine's and PTB's logs are not under test
    tmp = tempfile.mkdtemp(prefix="bench_telegram_")
    app = await open_app(os.path.join(tmp, "bench.db"), demo=True, clock=FixedClock(NOW))
    echo_api, mado_api = FakeTelegram(record=False), FakeTelegram(record=False)
    settings = TelegramSettings(token=TOKEN, limits=UNLIMITED)
    madoguchi = build_application(
        app, settings, request=FakeRequest(mado_api), get_updates_request=FakeRequest(mado_api), polling=False
    )
    echo = echo_application(echo_api)
    results: dict[str, list[float]] = {"echo": [], "madoguchi": [], "engine": [], "replayed": []}
    calls = {}
    try:
        for application in (echo, madoguchi):
            await application.initialize()
            await application.start()
        warm = workload(300)
        await pump(echo, warm)
        await pump(madoguchi, warm)
        for r in range(rounds):
            updates = workload(per_round)
            order = [("echo", echo, echo_api), ("madoguchi", madoguchi, mado_api)]
            for name, application, api in order if r % 2 == 0 else reversed(order):
                before = api.counts.get("sendMessage", 0)
                seconds = await pump(application, updates)
                results[name].append(len(updates) / seconds)
                calls[name] = (api.counts.get("sendMessage", 0) - before) / len(updates)
            results["engine"].append(await engine_alone(app, updates))
        # The Telegram side's own cost: the same Application and updates, the engine's own
        # replies looked up instead of computed.
        from bot.messages import IncomingMessage

        replies: dict[tuple[str, str], list] = {}
        for data in workload(per_round):
            message = IncomingMessage(user_key(data["message"]["chat"]["id"]), text=data["message"]["text"])
            key = (message.user, message.text)
            if key not in replies:
                replies[key] = await app.engine.handle(message)

        async def replayed(message):
            return replies[(message.user, message.text)]

        real_handle, app.engine.handle = app.engine.handle, replayed
        try:
            for _ in range(rounds):
                results["replayed"].append(per_round / await pump(madoguchi, workload(per_round)))
        finally:
            app.engine.handle = real_handle
    finally:
        for application in (echo, madoguchi):
            if application.running:
                await application.stop()
            await application.shutdown()
        await app.close()
    return {"results": results, "sends_per_update": calls}


async def limiter_check(recipients: int, per_second: int) -> dict:
    """A real-time broadcast through the broadcast engine, the Telegram sender and limiter, to a fake network."""
    tmp = tempfile.mkdtemp(prefix="bench_telegram_limiter_")
    app = await open_app(os.path.join(tmp, "limiter.db"), clock=FixedClock(NOW))
    api = FakeTelegram()
    settings = TelegramSettings(token=TOKEN, limits=Limits(overall_per_second=30, broadcast_per_second=per_second))
    application = build_application(
        app, settings, request=FakeRequest(api), get_updates_request=FakeRequest(api), polling=False
    )
    channel = application.bot_data["channel"]
    residents = ResidentStore(app.db)
    for n in range(recipients):
        await residents.subscribe(user_key(2_000_000 + n), "宇部市")
    await application.initialize()
    try:
        api.clear()
        # The real path of a confirmed /broadcast: the shared engine with the channel's sender.
        broadcast = await BroadcastStore(app.db).create(
            "telegram:bench", "宇部市", "text", "お知らせのテストです。", channels=["telegram"]
        )
        report = await channel.engine.run(broadcast)
    finally:
        await application.shutdown()
        await app.close()
    times = sorted(c.at for c in api.messages())
    worst = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    whole = max(1, int(times[-1] - times[0]))  # whole seconds from the first message
    rate = sum(1 for t in times if t < times[0] + whole) / whole
    return {"report": report, "worst_window": worst, "rate": rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 500 updates; a shorter limiter check")
    parser.add_argument("--rounds", type=int, help="timed rounds per bot (default 5)")
    parser.add_argument("--updates", type=int, help="updates per round (default 2000)")
    parser.add_argument("--skip-limiter", action="store_true", help="skip the real-time broadcast pacing check")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 5)
    per_round = args.updates or (500 if args.quick else 2000)

    print(
        f"Telegram pipeline benchmark — python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"python-telegram-bot {__import__('telegram').__version__}"
    )
    print(
        f"{rounds} round(s) of {per_round} text updates from {RESIDENTS} residents, concurrent_updates={CONCURRENT_UPDATES}"
    )
    out = asyncio.run(measure(rounds, per_round))
    echo = statistics.median(out["results"]["echo"])
    mado = statistics.median(out["results"]["madoguchi"])
    ratio = mado / echo
    print()
    print(f"{'application':<12} {'updates/s (median)':>19} {'rounds':>28} {'sends/update':>13}")
    for name, median in (("echo", echo), ("madoguchi", mado)):
        rounds_text = ", ".join(f"{r:.0f}" for r in out["results"][name])
        print(f"{name:<12} {median:>19.0f} {rounds_text:>28} {out['sends_per_update'][name]:>13.2f}")
    engine = statistics.median(out["results"]["engine"])
    replayed = statistics.median(out["results"]["replayed"])
    print(f"{'engine alone':<12} {engine:>19.0f}   (Engine.handle, 64 at a time, no Telegram)")
    print(
        f"{'replayed':<12} {replayed:>19.0f}   (Madoguchi's Application, the engine's replies looked up, not computed)"
    )
    verdict = "OK" if ratio >= TARGET else "BELOW TARGET"
    print(f"\nMadoguchi / echo = {ratio:.0%} (target >= {TARGET:.0%}): {verdict}")
    print(
        f"per update: Madoguchi {1000 / mado:.2f} ms = echo pipeline {1000 / echo:.2f} ms"
        f" + Telegram side with real replies {1000 / replayed - 1000 / echo:.2f} ms"
        f" + engine in the pipeline {1000 / mado - 1000 / replayed:.2f} ms (alone: {1000 / engine:.2f} ms)"
    )
    print(
        f"with an engine that cost nothing Madoguchi would run at {replayed / echo:.0%} of echo; the target leaves "
        f"the engine {max(0.0, 2000 / echo - 1000 / replayed):.2f} ms per update"
    )

    if not args.skip_limiter:
        recipients = 90 if args.quick else 300
        check = asyncio.run(limiter_check(recipients, 30))
        report = check["report"]
        print(
            f"\nbroadcast pacing (real time, limit 30/s): {report.sent}/{report.total} sent in {report.seconds:.1f} s, "
            f"{check['rate']:.1f}/s over whole seconds ({check['rate'] / 30:.0%} of the limit), "
            f"busiest one-second window {check['worst_window']} (limit 30)"
        )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
