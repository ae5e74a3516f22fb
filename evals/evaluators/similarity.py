"""Semantic similarity: the cosine between the embeddings of `output` and `expected_output`, from the
version's embeddings `model` on its LLM connection (the OpenAI-compatible /embeddings call, traced like any
provider call). With `check_config` = {"threshold": t} the score is the boolean cosine ≥ t."""

import math
import uuid

from aistrale.errors import DomainError
from aistrale.llm import calls
from aistrale.llm.sink import CallTrace
from evals.evaluators.judge import EVALUATION_ENVIRONMENT, connection_of
from evals.evaluators.variables import as_text
from evals.evaluators.verdicts import Verdict
from evals.models import EvaluatorVersion, ScoreDataType

VARIABLES = ["output", "expected_output"]


def threshold_validate(config) -> dict:
    """{"threshold": t in [-1, 1] or None}; DomainError naming the option otherwise."""
    config = {} if config is None else config
    if not isinstance(config, dict) or set(config) - {"threshold"}:
        raise DomainError('must be an object with at most a "threshold"', field="check_config")
    threshold = config.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or not -1 <= threshold <= 1
    ):
        raise DomainError(f"must be a number within [-1, 1], got {threshold!r}", field="check_config.threshold")
    return {"threshold": threshold}


def similarity_data_type(config: dict | None) -> str:
    return ScoreDataType.NUMERIC if (config or {}).get("threshold") is None else ScoreDataType.BOOLEAN


def cosine(first: list[float], second: list[float]) -> float:
    if len(first) != len(second):
        raise DomainError(f"the embeddings differ in length ({len(first)} and {len(second)})", field="model")
    norms = math.sqrt(sum(x * x for x in first)) * math.sqrt(sum(y * y for y in second))
    if norms == 0:
        raise DomainError("an embedding is all zeros, so it has no direction to compare", field="model")
    return max(-1.0, min(1.0, sum(x * y for x, y in zip(first, second, strict=True)) / norms))


def similarity_run(*, version: EvaluatorVersion, variables: dict, trace_metadata: dict | None = None) -> Verdict:
    texts = []
    for name in VARIABLES:
        if variables.get(name) is None:
            raise DomainError(f"semantic similarity needs the {name!r} variable", field=f"variables.{name}")
        texts.append(as_text(variables[name]))
    trace = CallTrace(
        project_id=version.project_id,
        environment=EVALUATION_ENVIRONMENT,
        name=f"evaluator: {version.evaluator.name}",
        trace_id=uuid.uuid4().hex,
        metadata={"evaluatorId": version.evaluator.id, "evaluatorVersion": version.version, **(trace_metadata or {})},
    )
    embeddings = calls.embed(connection=connection_of(version), model=version.model, texts=texts, trace=trace)
    similarity = cosine(*embeddings.vectors)
    threshold = (version.check_config or {}).get("threshold")
    data_type = similarity_data_type(version.check_config)
    if threshold is None:
        value, string_value, comment = similarity, None, f"cosine similarity {similarity:.4f}"
    else:
        passed = similarity >= threshold
        value, string_value = float(passed), "True" if passed else "False"
        comment = f"cosine similarity {similarity:.4f} {'≥' if passed else '<'} {threshold}"
    return Verdict(
        score_name=version.score_name,
        data_type=data_type,
        value=value,
        string_value=string_value,
        comment=comment,
        judge_trace_id=trace.trace_id,
        model=embeddings.model,
        usage=embeddings.usage,
    )
