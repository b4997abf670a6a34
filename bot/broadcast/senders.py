"""Finding the senders a broadcast can use in this process.

Lives here: ``open_senders`` → ``SenderSet`` and the two ways a sender is found:

- a channel's sender module, named in the channel registry (``bot.channels.registry``), with
  ``make_sender(options) -> Sender | None`` (sync or async). ``options`` is the parsed
  command line (``--db``, ``--knowledge``, ``--shops``, ``--rate`` …); the channel reads
  its own secrets from the environment. It returns None (or raises
  ``SenderUnavailable(reason)``) when the channel is not configured here, e.g. no token.
  A sender with an ``async close()`` is closed at the end.
- a plug-in named on the command line, ``--sender module:factory`` (tests, integrations):
  the factory takes the same ``options`` and returns a sender or a list of senders; one
  that cannot be loaded raises ``SenderUnavailable`` (it was asked for by name).

``console:`` residents always have the ``ConsoleSender``. A channel's server passes its
own sender as ``have``: the set then completes it with the other channels configured in
this environment (so ``madoguchi line`` can deliver a scheduled broadcast's Telegram
recipients too), and closes only the senders it made. The core never imports a
platform SDK: a channel's sender module imports its SDK itself.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from bot.broadcast.sender import ConsoleSender, Sender
from bot.channels.registry import CHANNELS

log = logging.getLogger(__name__)

FACTORY = "make_sender"


class SenderUnavailable(Exception):
    """Raised by a channel's ``make_sender`` when it cannot send here (the reason)."""


@dataclass
class SenderSet:
    senders: dict[str, Sender] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # channel → why not
    borrowed: set[str] = field(default_factory=set)  # channels whose sender the caller owns

    def summary(self) -> str:
        """Which channels a broadcast from here reaches, and why not the others (for the log)."""
        missing = "; ".join(f"not {channel}: {why}" for channel, why in sorted(self.unavailable.items()))
        return ", ".join(sorted(self.senders)) + (f" ({missing})" if missing else "")

    async def close(self) -> None:
        for channel, sender in self.senders.items():
            if channel in self.borrowed:
                continue
            close = getattr(sender, "close", None)
            if close is not None:
                try:
                    result = close()
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # noqa: BLE001
                    log.warning("could not close the %s sender", channel, exc_info=True)


async def _call(factory, options: Any):
    result = factory(options)
    if inspect.isawaitable(result):
        result = await result
    return result


def _load(spec: str):
    module_name, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr or FACTORY)
    except (ImportError, AttributeError) as exc:
        raise SenderUnavailable(f"{spec}: {exc}") from None


async def open_senders(
    options: Any,
    plugins: list[str] | None = None,
    console: IO[str] | None = None,
    have: Mapping[str, Sender] | None = None,
) -> SenderSet:
    """Every sender available here: ``have`` (the caller's own, used as they are), plug-ins
    (they win over the channel packages), then the channel packages."""
    found = SenderSet()
    found.senders["console"] = ConsoleSender(console)
    for channel, sender in (have or {}).items():
        found.senders[channel] = sender
        found.borrowed.add(channel)
    for spec in plugins or []:
        made = await _call(_load(spec), options)
        for sender in made if isinstance(made, (list, tuple)) else [made]:
            if sender is not None:
                found.senders[sender.channel] = sender
    for info in CHANNELS:
        if info.sender and info.name not in found.senders:
            await _open_channel(found, info.name, info.sender, options)
    return found


async def _open_channel(found: SenderSet, channel: str, module_name: str, options: Any) -> None:
    """The channel's sender into ``found.senders``, or why not into ``found.unavailable``."""
    try:
        factory = getattr(importlib.import_module(module_name), FACTORY)
        sender = await _call(factory, options)
    except SenderUnavailable as exc:
        found.unavailable[channel] = str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - one channel's trouble must not stop the others
        log.warning("the %s sender could not start", channel, exc_info=True)
        found.unavailable[channel] = f"送信の準備に失敗しました: {type(exc).__name__}: {exc}"[:300]
        return
    if sender is None:
        found.unavailable[channel] = "このチャネルは設定されていません（トークンなど）"
    else:
        found.senders[channel] = sender
