"""Skills: one module per thing the bot can answer (shops, classes, procedures,
programme FAQ, small talk). Each builds ``Reply`` objects from a ``Turn``."""
