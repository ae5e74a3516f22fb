"""Fixtures of the observability tests."""

import pytest

from observability import extensions


@pytest.fixture
def score_loader(monkeypatch):
    """Register a score loader through the extension hook, as evals does."""
    monkeypatch.setattr(extensions, "_score_loaders", [])
    loaded = {}

    def loader(*, project, trace_ids):
        return {trace_id: rows for trace_id, rows in loaded.items() if trace_id in trace_ids}

    extensions.register_score_loader(loader)
    return loaded
