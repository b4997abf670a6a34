"""Residents' secrets through python-telegram-bot's real Application: the warning comes first,
and the digits are in neither the database file, the logs nor the unanswered report."""

from __future__ import annotations

import logging

from tests.support.secrets import SECRET_MESSAGES, WARNING, assert_kept_nowhere, settled_texts


async def test_a_my_number_a_pin_and_an_insurance_number_are_warned_about_and_kept_nowhere(tg, caplog):
    caplog.set_level(logging.DEBUG)
    for text in SECRET_MESSAGES:
        calls = await tg.say(77, text)
        first = next(c for c in calls if c.method == "sendMessage")
        assert WARNING in first.params["text"]
    await tg.settle()
    assert_kept_nowhere(tg.app.db.path, caplog.text, *await settled_texts(tg.app))
