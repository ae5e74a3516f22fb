"""The `anthropic` SDK adapter. A response schema is asked for as one forced tool call, the SDK's own way.

Parameters the SDK's `messages.create` does not name (temperature, top_p, ... in newer SDKs) go in the body as
sent, through `extra_body`.
"""

import inspect
from collections.abc import Iterator

import anthropic
from anthropic.resources.messages import Messages

from aistrale.llm.types import LlmNotSupported, LlmRequest, Tool, Usage

DEFAULT_MAX_TOKENS = 1024
SCHEMA_TOOL = "respond"
NAMED_ARGUMENTS = frozenset(inspect.signature(Messages.create).parameters) - {"self", "extra_body"}


def client(*, api_key: str, base_url: str | None, headers: dict, retries: int, timeout: float):
    return anthropic.Anthropic(
        api_key=api_key, base_url=base_url, default_headers=headers, max_retries=retries, timeout=timeout
    )


def _tool(tool: Tool) -> dict:
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


def _arguments(request: LlmRequest) -> dict:
    system = [message["content"] for message in request.messages if message.get("role") == "system"]
    messages = [message for message in request.messages if message.get("role") != "system"]
    parameters = dict(request.parameters)
    if "stop" in parameters:
        stop = parameters.pop("stop")
        parameters["stop_sequences"] = [stop] if isinstance(stop, str) else stop
    arguments = {"model": request.model, "messages": messages, "max_tokens": DEFAULT_MAX_TOKENS}
    extra = {}
    for name, value in parameters.items():
        (arguments if name in NAMED_ARGUMENTS else extra)[name] = value
    if extra:
        arguments["extra_body"] = extra
    if system:
        arguments["system"] = "\n\n".join(str(part) for part in system)
    tools = [_tool(tool) for tool in request.tools]
    if request.response_schema is not None:
        tools.append({"name": SCHEMA_TOOL, "description": "Give the answer.", "input_schema": request.response_schema})
        arguments["tool_choice"] = {"type": "tool", "name": SCHEMA_TOOL}
    if tools:
        arguments["tools"] = tools
    return arguments


def _usage(usage) -> Usage:
    return Usage(input=usage.input_tokens or 0, output=usage.output_tokens or 0) if usage else Usage()


def complete(sdk_client, request: LlmRequest) -> dict:
    response = sdk_client.messages.create(**_arguments(request))
    text = "".join(block.text for block in response.content if block.type == "text")
    calls = [block for block in response.content if block.type == "tool_use"]
    parsed = next((call.input for call in calls if call.name == SCHEMA_TOOL), None)
    return {
        "text": text,
        "model": response.model or request.model,
        "usage": _usage(response.usage),
        "parsed": parsed if request.response_schema is not None else None,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.input} for call in calls if call.name != SCHEMA_TOOL
        ],
        "finish_reason": response.stop_reason,
    }


def stream(sdk_client, request: LlmRequest, final: dict) -> Iterator[str]:
    final.update(model=request.model, usage=Usage(), finish_reason=None)
    with sdk_client.messages.stream(**_arguments(request)) as events:
        yield from events.text_stream
        message = events.get_final_message()
    final.update(model=message.model or request.model, usage=_usage(message.usage), finish_reason=message.stop_reason)


def embed(sdk_client, *, model: str, texts: list[str]):
    raise LlmNotSupported("anthropic connections have no embeddings model: use an OpenAI-compatible connection")
