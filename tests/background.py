"""Waiting for background work (Dramatiq messages) in tests."""

from aistrale.tasks import broker, start_inprocess_worker


def wait_for_background_work(timeout_ms: int = 30_000) -> None:
    """Block until every queued message has been processed by this process's worker."""
    worker = start_inprocess_worker()
    for queue_name in broker.get_declared_queues():
        broker.join(queue_name, timeout=timeout_ms)
    worker.join()
