from evals.models.evaluators import Evaluator, EvaluatorStatus, EvaluatorType, EvaluatorVersion
from evals.models.rules import (
    EvaluationJob,
    EvaluationRule,
    EvaluationRuleEvaluator,
    JobStatus,
    RuleTarget,
)
from evals.models.scores import DEFAULT_ENVIRONMENT, Score, ScoreConfig, ScoreDataType, ScoreSource

__all__ = [
    "EvaluationJob",
    "EvaluationRule",
    "EvaluationRuleEvaluator",
    "JobStatus",
    "RuleTarget",
    "DEFAULT_ENVIRONMENT",
    "Evaluator",
    "EvaluatorStatus",
    "EvaluatorType",
    "EvaluatorVersion",
    "Score",
    "ScoreConfig",
    "ScoreDataType",
    "ScoreSource",
]
