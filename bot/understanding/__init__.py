"""Understanding: from a resident's raw text to a ``Parse`` (intent, entities, language).

Driven entirely by the data in ``knowledge/``; imports no channel, no database.
"""
