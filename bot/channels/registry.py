"""The one registry of channels: every channel the bot has, what it can show, and where its
command and its broadcast sender live.

Lives here: ``ChannelInfo`` and ``CHANNELS``. ``bot.cli`` adds each channel's command
(``command``: a module with ``COMMAND``, ``add_parser(subparsers, common)`` and
``run(args)``, importing its SDK only inside ``run``); ``bot.broadcast.senders`` finds each
channel's broadcast sender (``sender``: a module with ``make_sender(options)``); the core
shapes a welcome by ``capabilities``. A channel package that is not here fails
``tests/channels/test_architecture.py``. Imports no platform SDK.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Capabilities

WEB_SCHEMES = ("https://", "http://", "tel:")


@dataclass(frozen=True)
class ChannelInfo:
    name: str  # the prefix of its residents' keys (``telegram:42``)
    module: str  # the channel's module or package under ``bot.channels``
    capabilities: Capabilities
    command: str | None = None
    sender: str | None = None


CHANNELS: tuple[ChannelInfo, ...] = (
    ChannelInfo(
        "console",
        "bot.channels.console",
        Capabilities(buttons=20, link_schemes=WEB_SCHEMES, location=True),
    ),
    ChannelInfo("web", "bot.channels.webchat", Capabilities(buttons=20, link_schemes=WEB_SCHEMES)),
    ChannelInfo(
        "telegram",
        "bot.channels.telegram",
        # Inline URL buttons take only http(s) and tg:// (a tel: button is refused with 400).
        Capabilities(
            buttons=20, link_schemes=("http://", "https://", "tg://"), text_limit=4096, location=True, push=True
        ),
        command="bot.channels.telegram.command",
        sender="bot.channels.telegram.sender",
    ),
    ChannelInfo(
        "line",
        "bot.channels.line",
        # 13 quick-reply items; URI actions accept tel: (one tap to call).
        Capabilities(buttons=13, link_schemes=(*WEB_SCHEMES, "line://"), text_limit=5000, location=True, push=True),
        command="bot.channels.line.command",
        sender="bot.channels.line.sender",
    ),
)

BY_NAME = {info.name: info for info in CHANNELS}


def capabilities(name: str) -> Capabilities:
    return BY_NAME[name].capabilities
