"""Concurrent requests updating the same traces in opposite orders all succeed and merge (PostgreSQL)."""

import threading

import pytest
import requests
from django.conf import settings

from aistrale.tenancy.services import api_key_create
from observability.models import Trace

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="row locks and deadlocks are PostgreSQL's"
)
TRACES = [f"trace-{index:02d}" for index in range(30)]


@pytest.mark.django_db(transaction=True)
def test_overlapping_updates_in_opposite_orders(live_server, project):
    api_key, secret_key = api_key_create(project=project, note="concurrency")
    auth = (api_key.public_key, secret_key)
    url = f"{live_server.url}/api/public/ingestion"
    statuses = []

    def send(worker: int, order: list[str]):
        with requests.Session() as session:
            for round_number in range(8):
                batch = [
                    {
                        "id": f"{worker}-{round_number}-{trace_id}",
                        "type": "trace-create",
                        "timestamp": "2026-11-23T10:00:00Z",
                        "body": {"id": trace_id, "metadata": {f"w{worker}": round_number}},
                    }
                    for trace_id in order
                ]
                statuses.append(session.post(url, json={"batch": batch}, auth=auth, timeout=30).status_code)

    threads = [
        threading.Thread(target=send, args=(worker, TRACES if worker % 2 else TRACES[::-1])) for worker in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [207] * 32
    for trace in Trace.objects.filter(project=project):
        assert trace.metadata == {"w0": 7, "w1": 7, "w2": 7, "w3": 7}
    assert Trace.objects.filter(project=project).count() == len(TRACES)
