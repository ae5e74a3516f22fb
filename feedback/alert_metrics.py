"""The alert metric feedback registers with observability's registry: the positive rate of browser feedback."""

from evals.analytics import FILTERS
from feedback.selectors.feedback import feedback_positive_rate, feedback_score_list
from observability.alerts.metrics import AlertMetric, filtered, register_alert_metric


def _positive_rate(*, project, start, end, rule_filter, option):
    scores = feedback_score_list(project=project).filter(timestamp__gte=start, timestamp__lte=end)
    rate = feedback_positive_rate(scores=filtered(scores, rule_filter, FILTERS))
    return None if rate is None else 100.0 * rate


def register_feedback_alert_metrics() -> None:
    register_alert_metric(
        "feedback_positive_rate", AlertMetric("Positive feedback rate", "%", _positive_rate, dict(FILTERS))
    )
