"""Exports of datasets and production generations (JSON lines, CSV, and the chat fine-tuning formats)."""
