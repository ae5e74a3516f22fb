"""The Prometheus metrics AISTRALE exports besides django-prometheus' request rates and latencies per view.

- `aistrale_ingestion_spans_total{source, outcome}`: spans (OTLP) and events (batch) accepted or rejected,
  counted once per request (`ingestion_count`), never per span.
- `aistrale_dramatiq_jobs_total{queue, actor, outcome}` and `aistrale_dramatiq_job_duration_seconds`:
  the outcome of every Dramatiq message (`JobMetricsMiddleware`); `aistrale_dramatiq_queue_depth{queue}`:
  messages waiting or in flight, read from the broker at scrape time.
- `aistrale_evaluation_spend_usd_total`: what live evaluations cost (`evaluation_spend_add`).
- `aistrale_alert_evaluations_total{metric, outcome}` and `aistrale_alert_notifications_total{channel, outcome}`.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn, several Dramatiq processes) prometheus_client writes each
process's values there and the /metrics view merges them (docs/operations.md).
"""

import threading
import time

from dramatiq.common import dq_name
from dramatiq.middleware import Middleware
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

INGESTION = Counter("aistrale_ingestion_spans", "Spans and batch events received, by outcome", ["source", "outcome"])
JOBS = Counter("aistrale_dramatiq_jobs", "Dramatiq messages processed, by outcome", ["queue", "actor", "outcome"])
JOB_SECONDS = Histogram("aistrale_dramatiq_job_duration_seconds", "Dramatiq message run time", ["queue", "actor"])
EVALUATION_SPEND = Counter("aistrale_evaluation_spend_usd", "What live evaluations cost, in USD")
ALERT_EVALUATIONS = Counter("aistrale_alert_evaluations", "Alert rule evaluations, by outcome", ["metric", "outcome"])
ALERT_NOTIFICATIONS = Counter(
    "aistrale_alert_notifications", "Alert notification attempts, by outcome", ["channel", "outcome"]
)
_ingestion_children: dict[tuple[str, str], Counter] = {}


def ingestion_count(*, source: str, accepted: int, rejected: int) -> None:
    """Count one ingestion request's accepted and rejected spans or events."""
    for outcome, count in (("accepted", accepted), ("rejected", rejected)):
        if count:
            child = _ingestion_children.get((source, outcome))
            if child is None:
                child = _ingestion_children[(source, outcome)] = INGESTION.labels(source, outcome)
            child.inc(count)


def evaluation_spend_add(cost) -> None:
    if cost:
        EVALUATION_SPEND.inc(float(cost))


class JobMetricsMiddleware(Middleware):
    """Counts each Dramatiq message's outcome (succeeded, failed, retried, skipped) and times its run."""

    def __init__(self):
        self.running = threading.local()

    def before_process_message(self, broker, message):
        self.running.started = time.perf_counter()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        started = getattr(self.running, "started", None)
        self.running.started = None
        if started is not None:
            JOB_SECONDS.labels(message.queue_name, message.actor_name).observe(time.perf_counter() - started)
        if exception is None:
            outcome = "succeeded"
        elif message.failed:
            outcome = "failed"
        else:
            outcome = "retried"
        JOBS.labels(message.queue_name, message.actor_name, outcome).inc()

    def after_skip_message(self, broker, message):
        JOBS.labels(message.queue_name, message.actor_name, "skipped").inc()


class QueueDepthCollector:
    """`aistrale_dramatiq_queue_depth{queue}` read from the broker when Prometheus scrapes."""

    def __init__(self, broker):
        self.broker = broker

    def collect(self):
        family = GaugeMetricFamily("aistrale_dramatiq_queue_depth", "Messages queued or in flight", labels=["queue"])
        for queue_name in sorted(self.broker.get_declared_queues()):
            family.add_metric([queue_name], self._depth(queue_name))
        yield family

    def _depth(self, queue_name: str) -> int:
        if hasattr(self.broker, "do_qsize"):
            return int(self.broker.do_qsize(queue_name))
        queues = self.broker.queues
        return sum(queues[name].qsize() for name in (queue_name, dq_name(queue_name)) if name in queues)
