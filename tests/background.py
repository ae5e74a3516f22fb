"""Waiting in tests: for background work (Dramatiq messages), and for a condition to hold."""

import time

from aistrale.tasks import broker, start_inprocess_worker
from observability.llm_calls import call_traces_flush


def wait_for_background_work(timeout_ms: int = 30_000) -> None:
    """Block until every queued message has been processed by this process's worker, and the calls they made
    are traced."""
    worker = start_inprocess_worker()
    for queue_name in broker.get_declared_queues():
        broker.join(queue_name, timeout=timeout_ms)
    worker.join()
    assert call_traces_flush(timeout=timeout_ms / 1000)


def wait_for(predicate, timeout: float = 10.0) -> None:
    """Poll predicate until it holds; fail when it does not within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
