"""OTLP span attributes read into column values: type, input/output, usage, cost, model parameters, metadata.

Langfuse SDK attributes (langfuse.*), the OpenTelemetry GenAI conventions (gen_ai.*), OpenInference
(openinference.span.kind, input.value, llm.*) and the Vercel AI SDK (ai.model.id, ai.prompt*, ai.response.*,
ai.usage.*). Each reader pops the attributes it maps, so what is left lands in metadata["attributes"].
"""

import re

from aistrale.errors import DomainError
from aistrale.limits import count_check
from observability.ingestion.costs import money, normalize_usage, provided_costs, token_totals, usage_fits
from observability.ingestion.otlp_wire import Span
from observability.ingestion.values import (
    dumps,
    from_unix_nano,
    loads,
    maybe_json,
    optional_string,
    parse_timestamp,
    whole_number,
)
from observability.models.traces import ObservationType

OPENINFERENCE_KINDS = {
    "LLM": ObservationType.GENERATION,
    "EMBEDDING": ObservationType.EMBEDDING,
    "CHAIN": ObservationType.CHAIN,
    "TOOL": ObservationType.TOOL,
    "AGENT": ObservationType.AGENT,
    "RETRIEVER": ObservationType.RETRIEVER,
    "RERANKER": ObservationType.RETRIEVER,
    "GUARDRAIL": ObservationType.GUARDRAIL,
    "EVALUATOR": ObservationType.EVALUATOR,
}
GEN_AI_OPERATIONS = {
    "chat": ObservationType.GENERATION,
    "text_completion": ObservationType.GENERATION,
    "generate_content": ObservationType.GENERATION,
    "completion": ObservationType.GENERATION,
    "embeddings": ObservationType.EMBEDDING,
    "execute_tool": ObservationType.TOOL,
    "invoke_agent": ObservationType.AGENT,
    "create_agent": ObservationType.AGENT,
}
USAGE_ATTRIBUTES = {
    "gen_ai.usage.input_tokens": "input",
    "gen_ai.usage.prompt_tokens": "input",
    "gen_ai.usage.output_tokens": "output",
    "gen_ai.usage.completion_tokens": "output",
    "gen_ai.usage.total_tokens": "total",
    "llm.token_count.prompt": "input",
    "llm.token_count.completion": "output",
    "llm.token_count.total": "total",
    "ai.usage.promptTokens": "input",
    "ai.usage.inputTokens": "input",
    "ai.usage.completionTokens": "output",
    "ai.usage.outputTokens": "output",
    "ai.usage.totalTokens": "total",
}
GEN_AI_PARAMETERS = (
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    "stop_sequences",
    "seed",
    "choice.count",
)
OBSERVATION_TYPES = frozenset(ObservationType.values)
INDEXED_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.")
INDEXED = re.compile(r"^(gen_ai\.prompt|gen_ai\.completion|llm\.input_messages|llm\.output_messages)\.(\d+)\.(.+)$")


def _metadata_value(value):
    """A metadata attribute JSON-decoded when it parses, else the string as sent.

    One rule for both SDK majors: 4.x sends strings raw (`0` reads back as 0), 5.x JSON-encodes every
    value (`"0"` reads back as "0").
    """
    if not isinstance(value, str):
        return value
    try:
        return loads(value)
    except ValueError:
        return value


def flat_metadata(attributes: dict, prefix: str) -> dict | None:
    metadata = {}
    whole = attributes.pop(prefix, None)
    if whole is not None:
        whole = _metadata_value(whole)
        if isinstance(whole, dict):
            metadata.update(whole)
        else:
            metadata["metadata"] = whole
    dotted = prefix + "."
    for key in [key for key in attributes if key.startswith(dotted)]:
        metadata[key[len(dotted) :]] = _metadata_value(attributes.pop(key))
    return metadata or None


def _indexed_messages(attributes: dict, prefix: str) -> list | None:
    messages: dict[int, dict] = {}
    dotted = prefix + "."
    for key in [key for key in attributes if key.startswith(dotted)]:
        match = INDEXED.match(key)
        if match is None or match.group(1) != prefix:
            continue
        field_name = match.group(3).removeprefix("message.")
        messages.setdefault(int(match.group(2)), {})[field_name] = attributes.pop(key)
    return [messages[index] for index in sorted(messages)] or None


def first(attributes: dict, *keys):
    found = None
    for key in keys:
        value = attributes.pop(key, None)
        if found is None and value is not None and value != "":
            found = value
    return found


def tags(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        decoded = maybe_json(value)
        value = decoded if isinstance(decoded, list) else [part.strip() for part in value.split(",")]
    if not isinstance(value, list):
        value = [value]
    return [str(tag) for tag in value if tag not in (None, "")] or None


def as_bool(value) -> bool | None:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return None if value is None else bool(value)


def _units(value, key: str) -> int:
    """Usage units of an attribute: a whole number (numeric strings too) from 0 to 2**63-1."""
    return count_check(whole_number(value, key) if isinstance(value, str) else value, field=key)


def usage(attributes: dict) -> dict | None:
    key = "langfuse.observation.usage_details"
    usage = normalize_usage(maybe_json(attributes.pop(key, None)), key)
    for key, name in USAGE_ATTRIBUTES.items():
        value = attributes.pop(key, None)
        if value is not None and name not in usage:
            usage[name] = _units(value, key)
    for key in [key for key in attributes if key.startswith(("gen_ai.usage.", "llm.token_count."))]:
        value = attributes[key]
        if key == "gen_ai.usage.cost" or isinstance(value, (str, bool)) or not isinstance(value, (int, float)):
            continue
        name = key.removeprefix("gen_ai.usage.").removeprefix("llm.token_count.")
        name = name.replace("prompt_details.", "input_").replace("completion_details.", "output_")
        usage[name] = _units(value, key)
        del attributes[key]
    if usage and "total" not in usage:
        usage["total"] = token_totals(usage)[2]
    return usage_fits(usage, "usage") or None


def costs(attributes: dict) -> dict | None:
    key = "langfuse.observation.cost_details"
    costs = provided_costs(maybe_json(attributes.pop(key, None)), key)
    total = first(attributes, "gen_ai.usage.cost", "llm.cost.total")
    if not costs and total is not None:
        costs = {"total": money(total, "gen_ai.usage.cost")}
    return costs or None


def model_parameters(attributes: dict):
    parameters = maybe_json(first(attributes, "langfuse.observation.model.parameters", "llm.invocation_parameters"))
    if parameters is not None and not isinstance(parameters, dict):
        parameters = {"parameters": parameters}
    parameters = dict(parameters or {})
    for name in GEN_AI_PARAMETERS:
        value = attributes.pop(f"gen_ai.request.{name}", None)
        if value is not None:
            parameters.setdefault(name, value)
    return {name: _parameter_value(value) for name, value in parameters.items()} or None


def _parameter_value(value):
    """Langfuse keeps model parameters a flat map: strings and numbers as sent, anything else as JSON text."""
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return dumps(value)


def io_value(attributes: dict, side: str):
    """Input or output: langfuse.*, gen_ai.*, OpenInference's input/output.value, the Vercel AI SDK's ai.*."""
    legacy = "prompt" if side == "input" else "completion"
    vercel = ("ai.prompt.messages", "ai.prompt") if side == "input" else ("ai.response.text", "ai.response.object")
    value = first(
        attributes,
        f"langfuse.observation.{side}",
        f"gen_ai.{side}.messages",
        f"gen_ai.{legacy}",
        f"{side}.value",
        *vercel,
    )
    attributes.pop(f"{side}.mime_type", None)
    if value is not None:
        return maybe_json(value)
    messages = None
    if any(key.startswith(INDEXED_PREFIXES) for key in attributes):
        messages = _indexed_messages(attributes, f"gen_ai.{legacy}") or _indexed_messages(
            attributes, f"llm.{side}_messages"
        )
    if side == "input":
        system = attributes.pop("gen_ai.system_instructions", None)
        if system is not None:
            messages = [{"role": "system", "content": maybe_json(system)}, *(messages or [])]
    return messages


def span_type(attributes: dict, has_model: bool) -> str:
    raw = attributes.pop("langfuse.observation.type", None)
    if isinstance(raw, str) and raw.upper() in OBSERVATION_TYPES:
        return raw.upper()
    kind = attributes.pop("openinference.span.kind", None)
    if isinstance(kind, str) and kind.upper() in OPENINFERENCE_KINDS:
        return OPENINFERENCE_KINDS[kind.upper()]
    operation = attributes.get("gen_ai.operation.name")
    if isinstance(operation, str) and operation in GEN_AI_OPERATIONS:
        return GEN_AI_OPERATIONS[operation]
    return ObservationType.GENERATION if has_model else ObservationType.SPAN


def completion_start_time(attributes: dict):
    """The completion start time; a value that is not a date-time stays in metadata."""
    key = "langfuse.observation.completion_start_time"
    try:
        parsed = parse_timestamp(maybe_json(attributes.get(key)), key)
    except DomainError:
        return None
    attributes.pop(key, None)
    return parsed


def text(value, field: str, length: int | None, check=optional_string) -> str | None:
    """A text column's value: None when unset, else within the column's length and free of NUL."""
    if value is None or value == "":
        return None
    return check(value if isinstance(value, str) else str(value), field, length)


def events(span: Span) -> list:
    return [
        {**event, "timestamp": from_unix_nano(event["timestamp"], f"events.{index}.timeUnixNano")}
        for index, event in enumerate(span.events)
    ]
