"""The fuzz tests reuse the channels' harnesses: the real LINE webhook server in front of the
fake LINE API, and python-telegram-bot's real Application over the fake Bot API."""

from tests.channels.line.conftest import fake, line  # noqa: F401 - fixtures
from tests.channels.telegram.conftest import make_tg, staff_directory, tg  # noqa: F401 - fixtures
