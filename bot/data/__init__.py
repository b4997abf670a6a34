"""Data the bot serves: YAML loading with line numbers, schemas, the shop directory.

Reads files only; never talks to the network, the database or a channel.
"""
