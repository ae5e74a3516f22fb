"""The periodic scheduler sends each job once per tick: across two workers claiming ticks in Redis, and
in-process on the embedded default."""

import json
import subprocess
import sys
import threading
import uuid

import dramatiq
import pytest
import redis
from django.conf import settings

from aistrale import periodic
from aistrale.periodic import (
    Scheduler,
    SchedulerThread,
    local_claim,
    periodic_start,
    periodic_stop,
    redis_claim,
    register_periodic,
)
from bench.server import ROOT
from tests.background import wait_for, wait_for_background_work

runs: list[int] = []
runs_lock = threading.Lock()
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="the cross-worker claim needs REDIS_URL")


@dramatiq.actor(queue_name="periodic-tests", max_retries=0)
def tick_recorder() -> None:
    with runs_lock:
        runs.append(1)


@pytest.fixture
def job(monkeypatch):
    """The only registered job: tick_recorder every 0.25 s."""
    runs.clear()
    monkeypatch.setattr(periodic, "_JOBS", {})
    register_periodic("tests.tick", 0.25, tick_recorder)
    yield "tests.tick"
    wait_for_background_work()


def claim_of_a_worker():
    """What each Dramatiq worker process uses: its own Redis connection."""
    return redis_claim(redis.Redis.from_url(settings.REDIS_URL), settings.DRAMATIQ_NAMESPACE)


def sent_ticks(*schedulers) -> list[int]:
    return sorted(tick for scheduler in schedulers for name, tick in scheduler.sent if name == "tests.tick")


def test_register_refuses_a_non_positive_period(job):
    with pytest.raises(ValueError, match="every_seconds must be positive"):
        register_periodic("tests.never", 0, tick_recorder)


@needs_redis
def test_two_workers_send_each_tick_once(job):
    first, second = Scheduler(claim=claim_of_a_worker()), Scheduler(claim=claim_of_a_worker())
    base = 1_000_000.0  # tick 4,000,000 of a 0.25 s job
    for offset in (0.0, 0.1, 0.2, 0.25, 0.3, 0.5):
        first.run_due(base + offset)
        second.run_due(base + offset)
    assert sent_ticks(first, second) == [4_000_000, 4_000_001, 4_000_002]
    wait_for_background_work()
    assert len(runs) == 3


WORKER_PROCESS = """
import json, sys
import dramatiq, redis
from dramatiq.brokers.stub import StubBroker
dramatiq.set_broker(StubBroker())
from aistrale.periodic import Scheduler, redis_claim, register_periodic

@dramatiq.actor(queue_name="periodic-process-tests")
def job():
    pass

register_periodic("tests.process", 0.25, job)
url, namespace, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
scheduler = Scheduler(claim=redis_claim(redis.Redis.from_url(url), namespace))
for tick in range(first, first + 40):
    scheduler.run_due(tick * 0.25 + 0.1)
print(json.dumps([tick for name, tick in scheduler.sent]))
"""


@needs_redis
def test_two_worker_processes_share_the_ticks_without_overlap():
    namespace, first = f"aistrale-test-{uuid.uuid4().hex}", 4_000_000
    command = [sys.executable, "-c", WORKER_PROCESS, settings.REDIS_URL, namespace, str(first)]
    workers = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    claimed = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    assert sorted(claimed[0] + claimed[1]) == list(range(first, first + 40))


@needs_redis
def test_two_worker_threads_never_both_send_a_tick(job):
    threads = [SchedulerThread(Scheduler(claim=claim_of_a_worker())) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(sent_ticks(*(thread.scheduler for thread in threads))) >= 4)
    finally:
        for thread in threads:
            thread.stop()
    ticks = sent_ticks(*(thread.scheduler for thread in threads))
    assert len(ticks) == len(set(ticks))
    wait_for_background_work()
    assert len(runs) == len(ticks)


def test_in_process_scheduler_sends_each_tick_once(job):
    scheduler = Scheduler(claim=local_claim)
    base = 2_000_000.0
    sent = [scheduler.run_due(base + offset) for offset in (0.0, 0.1, 0.2, 0.25, 0.3)]
    assert sent == [[("tests.tick", 8_000_000)], [], [], [("tests.tick", 8_000_001)], []]
    assert scheduler.seconds_to_next_tick(base + 0.3) == pytest.approx(0.2)
    wait_for_background_work()
    assert len(runs) == 2


def test_the_process_scheduler_thread_runs_the_job_until_stopped(job, settings):
    settings.AISTRALE_PERIODIC = True
    thread = periodic_start()
    try:
        assert periodic_start() is thread
        wait_for(lambda: len(sent_ticks(thread.scheduler)) >= 2)
    finally:
        periodic_stop()
    assert not thread.is_alive()
    ticks = sent_ticks(thread.scheduler)
    assert ticks == sorted(set(ticks))
    wait_for_background_work()
    assert len(runs) == len(ticks)


def test_the_scheduler_stays_off_when_disabled(settings):
    settings.AISTRALE_PERIODIC = False
    assert periodic_start() is None
