"""Madoguchi (窓口): a civic help chatbot.

The package is split into a platform-neutral core (``data``, ``understanding``,
``store``, ``classes``, ``dialogue``) and thin channel adapters (``channels``).
Nothing outside ``bot.channels`` may import a platform SDK.
"""

__version__ = "0.1.0"
