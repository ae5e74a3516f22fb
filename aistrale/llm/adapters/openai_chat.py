"""The `openai` SDK adapter: OpenAI, any OpenAI-compatible server (by base URL) and Azure OpenAI."""

from collections.abc import Iterator

import openai

from aistrale.llm.types import Embeddings, LlmRequest, Tool, Usage, parse_json

SCHEMA_NAME = "response"


def client(*, api_key: str, base_url: str | None, headers: dict, azure: dict | None, retries: int, timeout: float):
    if azure is not None:
        return openai.AzureOpenAI(
            api_key=api_key,
            azure_endpoint=base_url,
            api_version=azure.get("api_version") or azure.get("apiVersion") or "2024-10-21",
            default_headers=headers,
            max_retries=retries,
            timeout=timeout,
        )
    return openai.OpenAI(
        api_key=api_key, base_url=base_url, default_headers=headers, max_retries=retries, timeout=timeout
    )


def _tool(tool: Tool) -> dict:
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
    }


def _arguments(request: LlmRequest) -> dict:
    arguments = {"model": request.model, "messages": request.messages, **request.parameters}
    if request.tools:
        arguments["tools"] = [_tool(tool) for tool in request.tools]
    if request.response_schema is not None:
        arguments["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": request.response_schema},
        }
    return arguments


def _usage(usage) -> Usage:
    if usage is None:
        return Usage()
    return Usage(input=usage.prompt_tokens or 0, output=usage.completion_tokens or 0)


def complete(sdk_client, request: LlmRequest) -> dict:
    response = sdk_client.chat.completions.create(**_arguments(request))
    choice = response.choices[0]
    text = choice.message.content or ""
    tool_calls = [
        {"id": call.id, "name": call.function.name, "arguments": parse_json(call.function.arguments or "{}")}
        for call in choice.message.tool_calls or []
    ]
    return {
        "text": text,
        "model": response.model or request.model,
        "usage": _usage(response.usage),
        "parsed": parse_json(text) if request.response_schema is not None else None,
        "tool_calls": tool_calls,
        "finish_reason": choice.finish_reason,
    }


def stream(sdk_client, request: LlmRequest, final: dict) -> Iterator[str]:
    """Yield text deltas; fill `final` (model, usage, finish_reason) from the stream as it ends."""
    chunks = sdk_client.chat.completions.create(
        **_arguments(request), stream=True, stream_options={"include_usage": True}
    )
    final.update(model=request.model, usage=Usage(), finish_reason=None)
    for chunk in chunks:
        final["model"] = chunk.model or final["model"]
        if chunk.usage is not None:
            final["usage"] = _usage(chunk.usage)
        for choice in chunk.choices:
            if choice.finish_reason:
                final["finish_reason"] = choice.finish_reason
            if choice.delta and choice.delta.content:
                yield choice.delta.content


def embed(sdk_client, *, model: str, texts: list[str]) -> Embeddings:
    response = sdk_client.embeddings.create(model=model, input=texts)
    vectors = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
    usage = Usage(input=response.usage.prompt_tokens if response.usage else 0)
    return Embeddings(vectors=vectors, model=response.model or model, usage=usage)
