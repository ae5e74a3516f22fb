"""The legacy usage fields (usage.input/output/total, promptTokens, completionTokens, totalTokens) Langfuse keeps
for older clients, derived from an observation's usage details."""

# OpenAI-style usage keys the legacy token fields fall back to when no usage type names input or output.
LEGACY_TOKEN_ALIASES = {
    "input": ("prompt_tokens", "promptTokens"),
    "output": ("completion_tokens", "completionTokens"),
    "total": ("total_tokens", "totalTokens"),
}


def _units(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def legacy_tokens(usage_details: dict | None) -> dict[str, int]:
    """{input, output, total} units of the legacy usage fields, as Langfuse derives them: the sums of the usage
    types that name input / output (input_cached_tokens counts as input), else the OpenAI-style keys; the total
    as stored, else total_tokens; 0 when unknown."""
    usage = usage_details or {}
    tokens = {}
    for side in ("input", "output"):
        named = [_units(units) for key, units in usage.items() if side in key]
        aliases = [_units(usage[key]) for key in LEGACY_TOKEN_ALIASES[side] if key in usage]
        tokens[side] = sum(named or aliases)
    total = usage.get("total", next((usage[key] for key in LEGACY_TOKEN_ALIASES["total"] if key in usage), 0))
    tokens["total"] = _units(total)
    return tokens
