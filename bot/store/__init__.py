"""The one store: SQLite through aiosqlite (WAL) for conversations and classes.

Only this package runs SQL. It knows nothing of channels or of understanding.
"""
