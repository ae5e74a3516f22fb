"""What one evaluation gives back, whatever kind of evaluator produced it."""

from dataclasses import dataclass, field

from aistrale.llm.types import Usage


@dataclass
class Verdict:
    """The score an evaluator version produced (value as a Score stores it) and how it got there.

    `comment` is the judge's reasoning; `judge_trace_id`/`judge_observation_id` name the traced judge call
    (None for evaluators that call no model); `filled_prompt` is the prompt as sent, for previews.
    """

    score_name: str
    data_type: str
    value: float | None
    string_value: str | None = None
    comment: str | None = None
    judge_trace_id: str | None = None
    judge_observation_id: str | None = None
    model: str | None = None
    usage: Usage = field(default_factory=Usage)
    latency_ms: float = 0.0
    filled_prompt: list[dict] | None = None
