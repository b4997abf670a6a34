"""Residents' secrets through the real LINE webhook: the warning is the first message of the
reply, and the digits are in neither the database file, the logs nor the unanswered report."""

from __future__ import annotations

import logging

from tests.support import line_fake as lf
from tests.support.secrets import SECRET_MESSAGES, WARNING, assert_kept_nowhere, settled_texts


async def test_a_my_number_a_pin_and_an_insurance_number_are_warned_about_and_kept_nowhere(line, app, caplog):
    caplog.set_level(logging.DEBUG)
    user = lf.user_id("secrets")
    for text in SECRET_MESSAGES:
        call = await line.send(lf.text(user, text))
        assert WARNING in call.messages[0]["text"]
    assert_kept_nowhere(app.db.path, caplog.text, *await settled_texts(app))
