"""Dialogue: what the bot answers, given a ``Parse`` and the resident's state.

Platform-neutral: replies are ``bot.messages.Reply`` objects. May use the data,
understanding and store packages; never a channel or platform SDK.
"""
