"""One entry point for every evaluator type; each type registers its run function here.

`evaluator_run(version=, variables=, trace_metadata=None)` -> Verdict; raises DomainError when the version
or the answer breaks a rule, and the typed LlmErrors of aistrale.llm when a provider call fails.
"""

from collections.abc import Callable

from aistrale.errors import DomainError
from evals.evaluators.judge import judge_run
from evals.evaluators.verdicts import Verdict
from evals.models import EvaluatorType, EvaluatorVersion

Run = Callable[..., Verdict]

_runs: dict[str, Run] = {EvaluatorType.LLM_AS_JUDGE: judge_run}


def register_evaluator_type(evaluator_type: str, run: Run) -> None:
    _runs[evaluator_type] = run


def evaluator_run(*, version: EvaluatorVersion, variables: dict, trace_metadata: dict | None = None) -> Verdict:
    run = _runs.get(version.evaluator.type)
    if run is None:
        raise DomainError(f"evaluators of type {version.evaluator.type!r} cannot run", field="type")
    return run(version=version, variables=variables, trace_metadata=trace_metadata)
