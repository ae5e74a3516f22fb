"""LLM-as-a-judge: the version's chat prompt filled with the variables, answered as {"score", "reasoning"}."""

from aistrale.errors import DomainError
from aistrale.llm import calls
from aistrale.llm.models import LlmConnection
from aistrale.llm.selectors import llm_connection_as_of, llm_connection_get
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmRequest
from evals.evaluators.variables import fill_messages
from evals.evaluators.verdicts import Verdict
from evals.models import EvaluatorVersion, ScoreDataType

EVALUATION_ENVIRONMENT = "aistrale-evaluation"


def _score_schema(definition: dict) -> dict:
    data_type = definition.get("dataType", ScoreDataType.NUMERIC)
    if data_type == ScoreDataType.BOOLEAN:
        score = {"type": "boolean"}
    elif data_type == ScoreDataType.CATEGORICAL:
        score = {"type": "string", "enum": [category["label"] for category in definition.get("categories") or []]}
    else:
        score = {"type": "number"}
        if definition.get("minValue") is not None:
            score["minimum"] = definition["minValue"]
        if definition.get("maxValue") is not None:
            score["maximum"] = definition["maxValue"]
    if definition.get("scoreValueInstructions"):
        score["description"] = definition["scoreValueInstructions"]
    reasoning = {"type": "string", "description": definition.get("scoreReasoningInstructions") or "Why this score."}
    return {
        "type": "object",
        "properties": {"reasoning": reasoning, "score": score},
        "required": ["reasoning", "score"],
        "additionalProperties": False,
    }


def _score_value(definition: dict, score) -> tuple[float, str | None]:
    """(value, string value) as a Score of the definition's data type stores them; DomainError if off-schema."""
    data_type = definition.get("dataType", ScoreDataType.NUMERIC)
    if data_type == ScoreDataType.BOOLEAN:
        if not isinstance(score, bool):
            raise DomainError(f"the judge answered {score!r}, not true or false", field="score")
        return float(score), "True" if score else "False"
    if data_type == ScoreDataType.CATEGORICAL:
        values = {category["label"]: category["value"] for category in definition.get("categories") or []}
        if score not in values:
            raise DomainError(f"the judge answered {score!r}, not one of {sorted(values)}", field="score")
        return float(values[score]), score
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise DomainError(f"the judge answered {score!r}, not a number", field="score")
    low, high = definition.get("minValue"), definition.get("maxValue")
    if (low is not None and score < low) or (high is not None and score > high):
        raise DomainError(f"the judge answered {score}, outside [{low}, {high}]", field="score")
    return float(score), None


def connection_of(version: EvaluatorVersion) -> LlmConnection:
    """The version's connection; memoised when the caller read its `connection_updated_at` with the version."""
    try:
        if hasattr(version, "connection_updated_at"):
            return llm_connection_as_of(
                project=version.project_id, provider=version.model_provider, updated_at=version.connection_updated_at
            )
        return llm_connection_get(project=version.project_id, provider=version.model_provider)
    except DomainError as error:
        raise DomainError(
            f"evaluator {version.evaluator.name!r} uses LLM connection {version.model_provider!r}, which is missing",
            field="model_provider",
        ) from error


def judge_run(*, version: EvaluatorVersion, variables: dict, trace_metadata: dict | None = None) -> Verdict:
    definition = version.output_definition
    messages = fill_messages(version.prompt or [], variables)
    request = LlmRequest(
        model=version.model,
        messages=messages,
        parameters=dict(version.model_parameters or {}),
        response_schema=_score_schema(definition),
    )
    trace = CallTrace(
        project_id=version.project_id,
        environment=EVALUATION_ENVIRONMENT,
        name=f"evaluator: {version.evaluator.name}",
        metadata={"evaluatorId": version.evaluator.id, "evaluatorVersion": version.version, **(trace_metadata or {})},
    )
    result = calls.complete(connection=connection_of(version), request=request, trace=trace)
    answer = result.parsed if isinstance(result.parsed, dict) else {}
    if "score" not in answer:
        raise DomainError("the judge's answer has no score", field="score")
    value, string_value = _score_value(definition, answer["score"])
    return Verdict(
        score_name=version.score_name,
        data_type=definition.get("dataType", ScoreDataType.NUMERIC),
        value=value,
        string_value=string_value,
        comment=str(answer.get("reasoning") or "") or None,
        judge_trace_id=result.trace_id,
        judge_observation_id=result.observation_id,
        model=result.model,
        usage=result.usage,
        latency_ms=result.latency_ms,
        filled_prompt=messages,
    )
