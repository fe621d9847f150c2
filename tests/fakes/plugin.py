"""Pytest fixtures starting the provider fakes (registered from tests/conftest.py)."""
