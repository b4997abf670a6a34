"""Replies → LINE message objects, within LINE's limits (``Capabilities`` of the registry).

Lives here: ``render`` and its measuring helpers. Texts are split at 5,000 UTF-16 units;
buttons become quick-reply items on the last message (at most 13, labels of 20 with the
full label as ``displayText``); links become a Flex message of URI buttons (``tel:`` too,
the number kept in the label); one call carries at most 5 messages, texts merged
(``bot.delivery.text.merge_texts``) before anything is lost. Builds line-bot-sdk models; touches nothing else.
"""

from __future__ import annotations

import logging
import re

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

from bot.channels.registry import capabilities
from bot.delivery.text import ELLIPSIS, clip, merge_texts, split_text
from bot.messages import Button, Link, Reply

log = logging.getLogger(__name__)

CAPABILITIES = capabilities("line")
MAX_MESSAGES = 5
MAX_QUICK_REPLIES = CAPABILITIES.buttons
MAX_LABEL = 20
MAX_TEXT = CAPABILITIES.text_limit
MAX_ALT_TEXT = 400
MAX_DISPLAY_TEXT = 300
MAX_POSTBACK_DATA = 300
MAX_URI = 1000
BUTTONS_PER_BUBBLE = 10
MAX_BUBBLES = 12
_PHONE = re.compile(r"\+?\d[\d-]{4,}\d")


def fit_label(label: str, limit: int = MAX_LABEL) -> str:
    """An action label of at most ``limit`` characters.

    LINE counts labels in grapheme clusters; counting code points is never fewer,
    so a label that fits here fits there."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    return label[: limit - 1] + ELLIPSIS


def link_label(link: Link) -> str:
    """A button label for a link; a ``tel:`` link keeps its number in view
    (「電話する：デジタル活用支援センター（…） 03-5974-0129」 → 「電話する 03-5974-0129」)."""
    label = " ".join(link.label.split())
    if len(label) <= MAX_LABEL:
        return label
    if link.url.startswith("tel:"):
        numbers = _PHONE.findall(label)
        number = numbers[-1] if numbers else link.url[4:]
        verb = re.split(r"[：:]", label, maxsplit=1)[0].strip()
        shortened = f"{verb} {number}" if verb and verb != label else number
        if len(shortened) <= MAX_LABEL:
            return shortened
        return fit_label(number)
    return fit_label(label)


def usable_link(link: Link) -> bool:
    return CAPABILITIES.links(link.url) and len(link.url) <= MAX_URI and bool(link.label.strip())


def quick_reply(buttons: list[Button]) -> QuickReply | None:
    items, seen = [], set()
    for button in buttons:
        if button.data in seen:
            continue  # the same choice offered by two replies: one item
        seen.add(button.data)
        if not button.data or len(button.data) > MAX_POSTBACK_DATA or not button.label.strip():
            log.warning("a button LINE cannot carry was left out (data of %d characters)", len(button.data))
            continue
        label = " ".join(button.label.split())
        action = PostbackAction(label=fit_label(label), data=button.data, display_text=clip(label, MAX_DISPLAY_TEXT))
        items.append(QuickReplyItem(action=action))
        if len(items) == MAX_QUICK_REPLIES:
            break
    return QuickReply(items=items) if items else None


def _link_button(link: Link) -> FlexButton:
    style = "primary" if link.url.startswith("tel:") else "secondary"
    return FlexButton(action=URIAction(label=link_label(link), uri=link.url), style=style, height="sm")


def links_message(links: list[Link]) -> FlexMessage | None:
    """A bubble of link buttons (a carousel when there are more than fit in one)."""
    links = [link for link in links if usable_link(link)]
    if not links:
        return None
    capacity = BUTTONS_PER_BUBBLE * MAX_BUBBLES
    if len(links) > capacity:
        log.warning("%d links, only %d fit in one LINE message", len(links), capacity)
        links = links[:capacity]
    bubbles = [
        FlexBubble(
            body=FlexBox(
                layout="vertical",
                spacing="sm",
                contents=[_link_button(link) for link in links[i : i + BUTTONS_PER_BUBBLE]],
            )
        )
        for i in range(0, len(links), BUTTONS_PER_BUBBLE)
    ]
    contents = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=bubbles)
    alt = clip("\n".join(link_label(link) for link in links), MAX_ALT_TEXT)  # phone numbers stay in view
    return FlexMessage(alt_text=alt, contents=contents)


def render(replies: list[Reply], max_messages: int = MAX_MESSAGES) -> list[Message]:
    """The LINE messages for one call (reply, push or multicast): at most ``max_messages``."""
    if not replies:
        return []
    texts = [part for r in replies for part in split_text(r.text.strip(), MAX_TEXT)]
    links = list(dict.fromkeys(link for r in replies for link in r.links))  # the same link once
    buttons = [b for r in replies for b in r.buttons]

    flex = links_message(links)
    extras = [flex] if flex else []
    texts = merge_texts(texts, max_messages - len(extras)) if texts else []
    messages: list[Message] = [TextMessage(text=clip(t, MAX_TEXT)) for t in texts]
    messages += extras
    if not messages:
        return []
    quick = quick_reply(buttons)
    if quick is not None:
        messages[-1].quick_reply = quick
    return messages
