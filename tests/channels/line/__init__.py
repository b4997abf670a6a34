"""Tests of the LINE channel (real server and SDK client on loopback)."""
