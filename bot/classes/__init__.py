"""Smartphone classes: the record, topic tagging and the demo schedule.

No SQL here (that is ``bot.store.classes``) and no channel code.
"""
