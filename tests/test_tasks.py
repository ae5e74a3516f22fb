"""Background work runs through the configured broker: Redis with REDIS_URL, in-process without."""

import os
import subprocess
import sys
from pathlib import Path

import dramatiq
import pytest
from django.conf import settings
from dramatiq.brokers.stub import StubBroker

from aistrale.tasks import IDLE_POLL_MS, broker, start_inprocess_worker
from tests.background import wait_for_background_work

ROOT = Path(__file__).resolve().parent.parent
processed: list[int] = []


@dramatiq.actor(queue_name="aistrale-test-queue")
def record(value: int):
    processed.append(value)


def test_broker_matches_the_configuration():
    if settings.REDIS_URL:
        from dramatiq.brokers.redis import RedisBroker

        assert isinstance(broker, RedisBroker)
    else:
        assert isinstance(broker, StubBroker)


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis broker's consumers")
def test_idle_consumers_poll_at_least_every_idle_poll_interval():
    consumer = broker.consume("aistrale-test-queue", prefetch=8, timeout=1000)
    try:
        assert consumer.timeout == IDLE_POLL_MS < 1000
    finally:
        consumer.close()


def test_sent_messages_are_processed():
    start_inprocess_worker()
    for value in range(5):
        record.send(value)
    wait_for_background_work()
    assert sorted(processed[-5:]) == [0, 1, 2, 3, 4]


def test_production_settings_refuse_the_default_secret():
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "aistrale.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is the insecure default" in result.stderr


def test_production_settings_start_with_a_real_secret():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aistrale.settings", "SECRET_KEY": "x" * 50, "DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
