"""The public API of LLM connections: /api/public/llm-connections (list, upsert, delete)."""
