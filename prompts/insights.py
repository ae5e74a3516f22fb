"""Per-version figures shown on a prompt's admin page, registered by the apps that own the data.

A provider takes a Prompt and returns {version number: {column title: value}}; observability
registers generation counts, latency, tokens and cost, evals registers average scores.
"""

from collections.abc import Callable

VersionInsightProvider = Callable[[object], dict[int, dict[str, object]]]

_providers: list[VersionInsightProvider] = []


def register_version_insight(provider: VersionInsightProvider) -> VersionInsightProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def version_insights(prompt) -> dict[int, dict[str, object]]:
    """Merged figures of every registered provider, by version number."""
    merged: dict[int, dict[str, object]] = {}
    for provider in _providers:
        for version, figures in provider(prompt).items():
            merged.setdefault(version, {}).update(figures)
    return merged
