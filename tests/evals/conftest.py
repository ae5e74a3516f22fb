"""Fixtures of the evals tests: none of their own yet; they use tests/conftest.py's projects and API clients."""
