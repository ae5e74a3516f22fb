"""Dramatiq broker set-up: Redis when REDIS_URL is set, otherwise in-process.

Import this module before declaring actors. With no REDIS_URL, messages go to a
StubBroker and a worker thread inside the current process runs them, so the
embedded default needs no other service.
"""

import threading

import dramatiq
from django.conf import settings
from django.db import close_old_connections
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware

from aistrale.operations.metrics import JobMetricsMiddleware
from aistrale.periodic import PeriodicMiddleware

WORKER_THREADS = 4
IDLE_POLL_MS = 100


class PollingRedisBroker(RedisBroker):
    """A Redis broker whose consumers poll an idle queue at least every IDLE_POLL_MS.

    A consumer that has prefetched its share sleeps between polls with a backoff growing to the worker
    timeout (1 s by default), acknowledging nothing meanwhile; its threads then run dry while messages wait.
    """

    def consume(self, queue_name, prefetch=1, timeout=IDLE_POLL_MS):
        return super().consume(queue_name, prefetch, min(timeout, IDLE_POLL_MS))


class DjangoConnectionsMiddleware(Middleware):
    """Give each message a fresh view of Django's database connections."""

    def before_process_message(self, broker, message):
        close_old_connections()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        close_old_connections()

    after_skip_message = after_process_message


class InProcessWorkerMiddleware(Middleware):
    """Starts the in-process worker on the first message sent."""

    def before_enqueue(self, broker, message, delay):
        start_inprocess_worker()


_worker: dramatiq.Worker | None = None
_worker_lock = threading.Lock()


def _make_broker() -> dramatiq.Broker:
    if settings.REDIS_URL:
        namespace = getattr(settings, "DRAMATIQ_NAMESPACE", "aistrale")
        broker = PollingRedisBroker(url=settings.REDIS_URL, namespace=namespace)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
        broker.add_middleware(InProcessWorkerMiddleware())
    broker.add_middleware(DjangoConnectionsMiddleware())
    broker.add_middleware(JobMetricsMiddleware())
    broker.add_middleware(PeriodicMiddleware())
    return broker


def start_inprocess_worker() -> dramatiq.Worker:
    """Run this process's own worker threads (the embedded default, and tests)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = dramatiq.Worker(broker, worker_threads=WORKER_THREADS, worker_timeout=IDLE_POLL_MS)
            _worker.start()
        return _worker


broker = _make_broker()
dramatiq.set_broker(broker)
