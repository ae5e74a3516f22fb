"""The two API shapes the gateway speaks: OpenAI chat completions and Anthropic messages.

Each shape knows its error body, what a valid request needs, where the provider takes it, and how to read
the text, model and usage of an answer (whole, or from its server-sent events) for the trace.
"""

from dataclasses import dataclass, field

import orjson

from aistrale.errors import DomainError
from aistrale.limits import json_depth_check
from aistrale.llm.models import LlmAdapter, LlmConnection

ANTHROPIC_VERSION = "2023-06-01"
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
}
OPENAI_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded", 504: "timeout"}
NOT_PARAMETERS = frozenset({"model", "messages", "system", "stream", "stream_options", "user", "metadata", "tools"})


class GatewayError(Exception):
    """A request the gateway answers itself, in the caller's shape; `param` names the field at fault."""

    def __init__(self, status: int, message: str, *, param: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.headers = status, message, param, headers or {}


@dataclass
class Answer:
    """What the trace records of a provider's answer."""

    output: object = None
    model: str | None = None
    usage: dict = field(default_factory=dict)
    finish_reason: str | None = None
    error: str | None = None


class Shape:
    name: str
    adapters: tuple[str, ...]

    def error_body(self, error: GatewayError) -> dict:
        raise NotImplementedError

    def validate(self, body: dict) -> None:
        """Refuse a body the provider would refuse for a missing or mistyped field."""
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise GatewayError(400, "model: required, the model alias to call", param="model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise GatewayError(400, "messages: required, a non-empty list of messages", param="messages")
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                raise GatewayError(400, f"messages.{index}: needs a role", param=f"messages.{index}.role")
        if "stream" in body and not isinstance(body["stream"], bool):
            raise GatewayError(400, "stream: must be true or false", param="stream")
        try:
            json_depth_check(body, field="body")
        except DomainError as error:
            raise GatewayError(400, f"{error.field}: {error.message}", param=error.field) from error

    def trace_input(self, body: dict):
        return body["messages"]

    def parameters(self, body: dict) -> dict:
        return {key: value for key, value in body.items() if key not in NOT_PARAMETERS}

    def read(self, content: bytes) -> Answer:
        raise NotImplementedError

    def read_events(self, events: list[bytes]) -> Answer:
        """The answer of a stream from its bytes as received (pieces of whole events)."""
        raise NotImplementedError


def _loads(payload: bytes):
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None


def _data(event: bytes):
    """The JSON of an event's data line, None when it has none (or `[DONE]`)."""
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            payload = line[5:].strip()
            return _loads(payload) if payload and payload != b"[DONE]" else None
    return None


def _stream_data(events: list[bytes]) -> list:
    """The JSON of every data line of a stream (`[DONE]` and unreadable ones left out), parsed in one call."""
    payloads = [line[5:].strip() for line in b"".join(events).split(b"\n") if line.startswith(b"data:")]
    payloads = [payload for payload in payloads if payload and payload != b"[DONE]"]
    try:
        return orjson.loads(b"[" + b",".join(payloads) + b"]")
    except orjson.JSONDecodeError:
        return [data for data in map(_loads, payloads) if data is not None]


class OpenAIChat(Shape):
    name = "chat.completions"
    adapters = (LlmAdapter.OPENAI,)

    def error_body(self, error: GatewayError) -> dict:
        kind = "invalid_request_error" if error.status < 500 else "api_error"
        if error.status == 429:
            kind = "rate_limit_error"
        return {
            "error": {
                "message": error.message,
                "type": kind,
                "param": error.param,
                "code": OPENAI_CODES.get(error.status),
            }
        }

    def url(self, connection: LlmConnection) -> str:
        return (connection.base_url or "https://api.openai.com/v1").rstrip("/") + "/chat/completions"

    def headers(self, connection: LlmConnection, request_headers) -> dict:
        return {"Authorization": f"Bearer {connection.secret_key}"}

    def upstream_body(self, body: dict, model: str) -> dict:
        """The body sent on: the target's model, and usage asked for on streams (so the trace has it)."""
        sent = {**body, "model": model}
        if body.get("stream"):
            sent["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        return sent

    def drops_usage_event(self, body: dict) -> bool:
        """The client did not ask for the usage event the gateway asked for: it is not passed on."""
        return not (body.get("stream_options") or {}).get("include_usage")

    def is_usage_only(self, event: bytes) -> bool:
        if b'"usage"' not in event:
            return False
        data = _data(event)
        return isinstance(data, dict) and not data.get("choices") and data.get("usage") is not None

    def is_final(self, events: bytes) -> bool:
        """Whether these whole events hold the stream's last one."""
        return b"data: [DONE]" in events

    def stream_error_event(self, message: str) -> bytes:
        body = {"error": {"message": message, "type": "api_error", "param": None, "code": "stream_interrupted"}}
        return b"data: " + orjson.dumps(body) + b"\n\n"

    def read(self, content: bytes) -> Answer:
        data = orjson.loads(content)
        choice = (data.get("choices") or [{}])[0]
        usage = data.get("usage") or {}
        return Answer(
            output=choice.get("message"),
            model=data.get("model"),
            usage=_usage(usage.get("prompt_tokens"), usage.get("completion_tokens")),
            finish_reason=choice.get("finish_reason"),
        )

    def read_events(self, events: list[bytes]) -> Answer:
        answer, parts, tool_calls = Answer(), [], {}
        for data in _stream_data(events):
            if not isinstance(data, dict):
                continue
            if data.get("error"):
                answer.error = str(data["error"].get("message") or data["error"])
            answer.model = data.get("model") or answer.model
            if data.get("usage"):
                usage = data["usage"]
                answer.usage = _usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
            for choice in data.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    parts.append(delta["content"])
                for call in delta.get("tool_calls") or []:
                    _merge_tool_call(tool_calls, call)
                answer.finish_reason = choice.get("finish_reason") or answer.finish_reason
        answer.output = {"role": "assistant", "content": "".join(parts)}
        if tool_calls:
            answer.output["tool_calls"] = [tool_calls[index] for index in sorted(tool_calls)]
        return answer


def _merge_tool_call(calls: dict, delta: dict) -> None:
    call = calls.setdefault(
        delta.get("index", 0), {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
    )
    call["id"] = delta.get("id") or call["id"]
    function = delta.get("function") or {}
    call["function"]["name"] += function.get("name") or ""
    call["function"]["arguments"] += function.get("arguments") or ""


class AnthropicMessages(Shape):
    name = "messages"
    adapters = (LlmAdapter.ANTHROPIC,)

    def error_body(self, error: GatewayError) -> dict:
        kind = ANTHROPIC_ERROR_TYPES.get(error.status, "invalid_request_error" if error.status < 500 else "api_error")
        message = error.message
        return {"type": "error", "error": {"type": kind, "message": message}}

    def validate(self, body: dict) -> None:
        super().validate(body)
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise GatewayError(400, "max_tokens: required, a whole number of at least 1", param="max_tokens")
        if body["messages"][0].get("role") == "system":
            raise GatewayError(400, "messages.0.role: 'system' goes in the top-level system field", param="messages")

    def trace_input(self, body: dict):
        if body.get("system"):
            return {"system": body["system"], "messages": body["messages"]}
        return body["messages"]

    def url(self, connection: LlmConnection) -> str:
        return (connection.base_url or "https://api.anthropic.com").rstrip("/") + "/v1/messages"

    def headers(self, connection: LlmConnection, request_headers) -> dict:
        headers = {"x-api-key": connection.secret_key, "anthropic-version": ANTHROPIC_VERSION}
        for name in ("anthropic-version", "anthropic-beta"):
            if request_headers.get(name):
                headers[name] = request_headers[name]
        return headers

    def upstream_body(self, body: dict, model: str) -> dict:
        return {**body, "model": model}

    def drops_usage_event(self, body: dict) -> bool:
        return False

    def is_usage_only(self, event: bytes) -> bool:
        return False

    def is_final(self, events: bytes) -> bool:
        return b"event: message_stop" in events

    def stream_error_event(self, message: str) -> bytes:
        body = {"type": "error", "error": {"type": "api_error", "message": message}}
        return b"event: error\ndata: " + orjson.dumps(body) + b"\n\n"

    def read(self, content: bytes) -> Answer:
        data = orjson.loads(content)
        usage = data.get("usage") or {}
        return Answer(
            output={"role": "assistant", "content": data.get("content")},
            model=data.get("model"),
            usage=_usage(usage.get("input_tokens"), usage.get("output_tokens")),
            finish_reason=data.get("stop_reason"),
        )

    def read_events(self, events: list[bytes]) -> Answer:
        answer, parts, input_tokens, output_tokens = Answer(), [], None, None
        for data in _stream_data(events):
            if not isinstance(data, dict):
                continue
            kind = data.get("type")
            if kind == "message_start":
                message = data.get("message") or {}
                answer.model = message.get("model")
                input_tokens = (message.get("usage") or {}).get("input_tokens")
            elif kind == "content_block_delta":
                delta = data.get("delta") or {}
                parts.append(delta.get("text") or delta.get("partial_json") or "")
            elif kind == "message_delta":
                output_tokens = (data.get("usage") or {}).get("output_tokens", output_tokens)
                answer.finish_reason = (data.get("delta") or {}).get("stop_reason")
            elif kind == "error":
                answer.error = str((data.get("error") or {}).get("message") or data)
        answer.output = {"role": "assistant", "content": "".join(parts)}
        answer.usage = _usage(input_tokens, output_tokens)
        return answer


def _usage(input_tokens, output_tokens) -> dict:
    if input_tokens is None and output_tokens is None:
        return {}
    input_tokens, output_tokens = int(input_tokens or 0), int(output_tokens or 0)
    return {"input": input_tokens, "output": output_tokens, "total": input_tokens + output_tokens}


OPENAI = OpenAIChat()
ANTHROPIC = AnthropicMessages()
