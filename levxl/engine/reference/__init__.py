"""Slow, obviously-correct scalar reference implementations that the tests pin the vectorised engine to."""
