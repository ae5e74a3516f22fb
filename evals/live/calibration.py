"""Judge calibration: how well a rule's EVAL scores agree with human ANNOTATION scores of the same name on the
same targets (trace, or trace + observation). The latest human score of a target counts.

Categorical and boolean scores: accuracy (share of targets where the labels agree) and a confusion matrix
(rows: the human label, columns: the judge's). Numeric scores: Pearson correlation and mean absolute error.
Each figure comes with the number of target pairs behind it; a figure that needs more pairs is None.
"""

import math

from evals.models import EvaluationJob, EvaluationRule, Score, ScoreDataType, ScoreSource


def _pearson(pairs: list[tuple[float, float]]) -> float | None:
    if len(pairs) < 2:
        return None
    humans, judges = [h for h, _ in pairs], [j for _, j in pairs]
    mean_h, mean_j = sum(humans) / len(humans), sum(judges) / len(judges)
    covariance = sum((h - mean_h) * (j - mean_j) for h, j in pairs)
    spread = math.sqrt(sum((h - mean_h) ** 2 for h in humans) * sum((j - mean_j) ** 2 for j in judges))
    return covariance / spread if spread else None


def _labelled(name: str, data_type: str, pairs: list[tuple[str, str]]) -> dict:
    labels = sorted({label for pair in pairs for label in pair})
    matrix = {human: dict.fromkeys(labels, 0) for human in labels}
    for human, judge in pairs:
        matrix[human][judge] += 1
    agreed = sum(1 for human, judge in pairs if human == judge)
    return {
        "scoreName": name,
        "dataType": data_type,
        "count": len(pairs),
        "accuracy": agreed / len(pairs) if pairs else None,
        "confusionMatrix": {"labels": labels, "rows": [{"human": h, "judge": matrix[h]} for h in labels]},
        "pearson": None,
        "meanAbsoluteError": None,
    }


def _numeric(name: str, pairs: list[tuple[float, float]]) -> dict:
    return {
        "scoreName": name,
        "dataType": ScoreDataType.NUMERIC,
        "count": len(pairs),
        "accuracy": None,
        "confusionMatrix": None,
        "pearson": _pearson(pairs),
        "meanAbsoluteError": sum(abs(h - j) for h, j in pairs) / len(pairs) if pairs else None,
    }


def evaluation_rule_calibration(*, rule: EvaluationRule) -> list[dict]:
    """One calibration per score name the rule's jobs wrote, by name."""
    score_ids = EvaluationJob.objects.filter(rule=rule, score_id__isnull=False).values("score_id")
    judged = list(
        Score.objects.filter(project_id=rule.project_id, id__in=score_ids, source=ScoreSource.EVAL).only(
            "name", "data_type", "trace_id", "observation_id", "value", "string_value"
        )
    )
    by_name: dict[str, dict[tuple, Score]] = {}
    for score in judged:
        by_name.setdefault(score.name, {})[(score.trace_id, score.observation_id or "")] = score
    results = []
    for name, judge_scores in sorted(by_name.items()):
        humans = Score.objects.filter(
            project_id=rule.project_id,
            source=ScoreSource.ANNOTATION,
            name=name,
            trace_id__in={trace_id for trace_id, _ in judge_scores},
        ).order_by("timestamp", "key")
        latest = {(h.trace_id, h.observation_id or ""): h for h in humans}
        matched = [(latest[target], judge) for target, judge in judge_scores.items() if target in latest]
        data_type = next(iter(judge_scores.values())).data_type
        if data_type == ScoreDataType.NUMERIC:
            results.append(_numeric(name, [(h.value, j.value) for h, j in matched]))
        else:
            results.append(_labelled(name, data_type, [(h.string_value, j.string_value) for h, j in matched]))
    return results
