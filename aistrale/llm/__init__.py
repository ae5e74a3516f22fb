"""LLM connections and the one call interface over the official provider SDKs (see calls.py)."""
