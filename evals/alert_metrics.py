"""The alert metrics evals registers with observability's registry: average score and evaluation failures."""

from aistrale.api.json_filter import Column, Kind
from evals.analytics import FILTERS
from evals.models import EvaluationJob, JobStatus
from observability.alerts.metrics import AlertMetric, filtered, query_value, register_alert_metric

JOB_FILTERS = {
    "ruleName": Column(Kind.STRING, "rule__name"),
    "traceId": Column(Kind.STRING, "trace_id"),
}


def _average_score(*, project, start, end, rule_filter, option):
    named = {"type": "string", "column": "name", "operator": "=", "value": option}
    value, _ = query_value(
        project=project,
        view="scores-numeric",
        measure="value",
        aggregation="avg",
        start=start,
        end=end,
        filter_=[named, *rule_filter],
    )
    return value


def _evaluation_failures(*, project, start, end, rule_filter, option):
    jobs = EvaluationJob.objects.filter(
        project=project, status=JobStatus.FAILED, finished_at__gte=start, finished_at__lte=end
    )
    return float(filtered(jobs, rule_filter, JOB_FILTERS).count())


def register_evals_alert_metrics() -> None:
    register_alert_metric(
        "average_score",
        AlertMetric("Average score (numeric and boolean)", "", _average_score, dict(FILTERS), "score name"),
    )
    register_alert_metric(
        "evaluation_failures",
        AlertMetric("Failed evaluation jobs", "jobs", _evaluation_failures, JOB_FILTERS),
    )
