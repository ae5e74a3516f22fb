"""Waiting in tests: for background work (Dramatiq messages), or for a condition another process makes true."""

import time

from aistrale.tasks import broker, start_inprocess_worker


def wait_for_background_work(timeout_ms: int = 30_000) -> None:
    """Block until every queued message has been processed by this process's worker."""
    worker = start_inprocess_worker()
    for queue_name in broker.get_declared_queues():
        broker.join(queue_name, timeout=timeout_ms)
    worker.join()


def wait_for(predicate, timeout: float = 10.0) -> None:
    """Poll until `predicate()` holds (e.g. a live server stored what an SDK exported); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
