"""Shared test support: fakes, the conversation-set loader and its checks."""
