from evals.models.evaluators import Evaluator, EvaluatorStatus, EvaluatorType, EvaluatorVersion
from evals.models.scores import DEFAULT_ENVIRONMENT, Score, ScoreConfig, ScoreDataType, ScoreSource

__all__ = [
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
