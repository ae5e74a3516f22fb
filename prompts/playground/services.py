"""The playground's rules: variants checked field by field, variables filled, runs streamed and traced,
messages saved as a prompt version."""

import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from aistrale.errors import DomainError
from aistrale.llm import calls
from aistrale.llm.models import LlmConnection
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmError, LlmRequest, Tool
from aistrale.tenancy.models import Project
from prompts.compilation import CompilationError, compile_chat
from prompts.models import PromptType, PromptVersion
from prompts.playground.sources import playground_cost
from prompts.services import prompt_version_create

ENVIRONMENT = "aistrale-playground"
ROLES = ("system", "user", "assistant")
MAX_VARIANTS = 6


@dataclass
class Variant:
    connection: LlmConnection
    model: str
    parameters: dict = field(default_factory=dict)
    response_schema: dict | None = None
    tools: list[Tool] = field(default_factory=list)


def _number(value, *, field_name: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DomainError("must be a number", field=field_name)
    if value < low or (high is not None and value > high):
        raise DomainError(
            f"must be from {low:g} to {high:g}" if high is not None else f"must be at least {low:g}", field=field_name
        )
    return value


def variant_parse(*, project: Project, data: dict, index: int = 0) -> Variant:
    """A variant from the page's input: a connection of the project, a model and valid parameters."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < MAX_VARIANTS:
        raise DomainError(f"must be a variant number from 0 to {MAX_VARIANTS - 1}, got {index!r}", field="index")
    prefix = f"variants.{index}"
    if not isinstance(data, dict):
        raise DomainError("must be an object", field=prefix)
    connection = LlmConnection.objects.filter(project=project, provider=data.get("connection") or "").first()
    if connection is None:
        raise DomainError(
            f"no LLM connection named {data.get('connection')!r} in this project", field=f"{prefix}.connection"
        )
    model = data.get("model")
    if not isinstance(model, str) or not model.strip():
        raise DomainError("is required", field=f"{prefix}.model")
    parameters = {}
    given = data.get("parameters") or {}
    if not isinstance(given, dict):
        raise DomainError("must be an object", field=f"{prefix}.parameters")
    if given.get("temperature") is not None:
        parameters["temperature"] = _number(given["temperature"], field_name=f"{prefix}.temperature", low=0, high=2)
    if given.get("top_p") is not None:
        parameters["top_p"] = _number(given["top_p"], field_name=f"{prefix}.top_p", low=0, high=1)
    if given.get("max_tokens") is not None:
        value = given["max_tokens"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DomainError("must be a whole number of at least 1", field=f"{prefix}.max_tokens")
        parameters["max_tokens"] = value
    stop = given.get("stop")
    if stop not in (None, "", []):
        stop = [stop] if isinstance(stop, str) else stop
        if not isinstance(stop, list) or not all(isinstance(item, str) and item for item in stop):
            raise DomainError("must be a text or a list of texts", field=f"{prefix}.stop")
        parameters["stop"] = stop
    schema = data.get("response_format")
    if schema not in (None, "", {}) and not isinstance(schema, dict):
        raise DomainError("must be a JSON Schema object", field=f"{prefix}.response_format")
    tools = []
    for position, tool in enumerate(data.get("tools") or []):
        where = f"{prefix}.tools.{position}"
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            raise DomainError("needs a name", field=where)
        if not isinstance(tool.get("parameters"), dict):
            raise DomainError("needs parameters, a JSON Schema object", field=where)
        tools.append(Tool(name=tool["name"], parameters=tool["parameters"], description=tool.get("description", "")))
    return Variant(connection, model.strip(), parameters, schema or None, tools)


def messages_check(messages) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise DomainError("needs at least one message", field="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise DomainError(f"role must be one of {', '.join(ROLES)}", field=f"messages.{index}.role")
        if not isinstance(message.get("content"), str):
            raise DomainError("must be text", field=f"messages.{index}.content")
    return messages


def playground_messages(*, messages, variables) -> list[dict]:
    """The messages with `{{variables}}` filled (Langfuse semantics: an unknown variable stays as written)."""
    messages_check(messages)
    if variables is not None and not isinstance(variables, dict):
        raise DomainError("must be an object of names and values", field="variables")
    try:
        return compile_chat(messages, {k: "" if v is None else str(v) for k, v in (variables or {}).items()}, None)
    except CompilationError as error:
        raise DomainError(str(error), field="messages") from error


def prompt_version_messages(*, version: PromptVersion) -> list[dict]:
    """A stored version as playground messages (a text prompt becomes one user message)."""
    if version.type == PromptType.TEXT:
        return [{"role": "user", "content": version.content}]
    return [m for m in version.content if m.get("type") != "placeholder"]


def playground_stream(
    *, project: Project, variant: Variant, messages: list[dict], run_id: str | None = None, user=None
) -> Iterator[dict]:
    """The variant's answer as events: {"delta"} as it arrives, then {"done", latency, usage, cost, trace} or
    {"error"}. The call is traced in the `aistrale-playground` environment."""
    trace = CallTrace(
        project_id=project.pk,
        environment=ENVIRONMENT,
        name="playground",
        metadata={
            "playgroundRun": run_id or uuid.uuid4().hex,
            "connection": variant.connection.provider,
            "user": getattr(user, "username", None),
        },
        tags=["playground"],
    )
    request = LlmRequest(
        model=variant.model,
        messages=messages,
        parameters=variant.parameters,
        tools=variant.tools,
        response_schema=variant.response_schema,
    )
    stream = calls.stream(connection=variant.connection, request=request, trace=trace)
    try:
        for delta in stream:
            yield {"delta": delta}
    except LlmError as error:
        yield {"error": error.message, "kind": error.kind}
        return
    result = stream.result
    usage = result.usage.as_details()
    cost = playground_cost(project_id=project.pk, model=result.model or variant.model, usage=usage)
    first = stream.first_token_at
    yield {
        "done": True,
        "latencyMs": round(result.latency_ms, 1),
        "ttftMs": round((first - result.started_at).total_seconds() * 1000, 1) if first else None,
        "usage": usage,
        "cost": None if cost is None else str(cost),
        "model": result.model,
        "traceId": result.trace_id,
        "observationId": result.observation_id,
    }


def playground_save_version(
    *,
    project: Project,
    name: str,
    messages,
    variant: Variant | None,
    commit_message: str,
    label: str | None,
    author,
    actor_role: str | None,
) -> PromptVersion:
    """The page's messages (variables unfilled) as the next version of `name`, the variant in its config."""
    messages_check(messages)
    config = {}
    if variant is not None:
        config = {"model": variant.model, "connection": variant.connection.provider, **variant.parameters}
        if variant.response_schema:
            config["response_format"] = variant.response_schema
    return prompt_version_create(
        project=project,
        name=name,
        content=[{"role": m["role"], "content": m["content"]} for m in messages],
        prompt_type=PromptType.CHAT,
        config=config,
        labels=[label] if label else [],
        commit_message=commit_message or None,
        actor_role=actor_role,
        author=author,
        created_by="playground",
    )


def dumps_event(event: dict) -> bytes:
    return json.dumps(event).encode() + b"\n"
