"""What a provider call takes and gives back, independent of the provider, and the errors it may raise."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from aistrale.errors import DomainError


@dataclass
class Tool:
    """A function the model may call; `parameters` is its JSON Schema."""

    name: str
    parameters: dict
    description: str = ""


@dataclass
class LlmRequest:
    """Messages in the OpenAI chat shape ({"role", "content"}; a "system" message becomes Anthropic's system).

    `parameters` are the model parameters (temperature, max_tokens, top_p, stop, ...), passed as named;
    `response_schema` asks for a JSON object matching that JSON Schema (parsed into `LlmResult.parsed`).
    """

    model: str
    messages: list[dict]
    parameters: dict = field(default_factory=dict)
    tools: list[Tool] = field(default_factory=list)
    response_schema: dict | None = None


@dataclass
class Usage:
    input: int = 0
    output: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output

    def as_details(self) -> dict:
        return {"input": self.input, "output": self.output, "total": self.total}


@dataclass
class LlmResult:
    """A completed call; `trace_id`/`observation_id` name the generation it was traced as."""

    text: str
    model: str
    usage: Usage
    started_at: datetime
    ended_at: datetime
    parsed: dict | list | None = None
    tool_calls: list[dict] = field(default_factory=list)
    finish_reason: str | None = None
    trace_id: str | None = None
    observation_id: str | None = None

    @property
    def latency_ms(self) -> float:
        return (self.ended_at - self.started_at).total_seconds() * 1000


@dataclass
class Embeddings:
    vectors: list[list[float]]
    model: str
    usage: Usage


class LlmError(DomainError):
    """A provider call that failed after its retries; `kind` says why (the subclasses)."""

    kind = "error"

    def __init__(self, message: str, *, status: int = 502):
        super().__init__(message, status=status)


class LlmAuthError(LlmError):
    kind = "auth"


class LlmRateLimited(LlmError):
    kind = "rate_limit"


class LlmBadRequest(LlmError):
    kind = "bad_request"

    def __init__(self, message: str):
        super().__init__(message, status=400)


class LlmProviderDown(LlmError):
    kind = "provider_down"


class LlmTimeout(LlmProviderDown):
    kind = "timeout"


class LlmNotSupported(LlmError):
    kind = "not_supported"

    def __init__(self, message: str):
        super().__init__(message, status=400)


def parse_json(text: str):
    """The JSON a response schema asked the model for, or LlmBadRequest."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise LlmBadRequest(f"the model's answer is not the JSON the response schema asks for: {error}") from error
