"""Tests of the broadcast engine, its limiter, scheduled broadcasts and reminders."""
