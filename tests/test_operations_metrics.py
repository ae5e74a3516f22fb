"""The operations /metrics endpoint: who may read it, and that its counters move with the work done."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bench.server import ROOT
from observability.actors import evaluate_alert_rules
from observability.alerts.evaluation import alert_rule_evaluate
from tests.background import wait_for_background_work
from tests.observability.alerts.factories import NOW, make_rule, spend
from tests.observability.factories import OTLP_URL, ingestion_event, otlp_request, otlp_span, post_batch

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-0123456789"
METRIC = re.compile(r"\b((?:aistrale|django)_[a-z_]+)\b")


@pytest.fixture
def scraper(settings):
    settings.AISTRALE_METRICS_TOKEN = TOKEN
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


def parsed(text: str) -> dict[tuple, float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def samples(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return parsed(response.content.decode())


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_off_until_a_token_or_a_network_is_configured(client):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert "set AISTRALE_METRICS_TOKEN or AISTRALE_METRICS_ALLOWED_NETWORKS" in response.json()["message"]


def test_a_token_is_required_when_configured(client, settings):
    settings.AISTRALE_METRICS_TOKEN = TOKEN
    missing = client.get("/metrics")
    assert (missing.status_code, missing["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    assert "no bearer token" in missing.json()["message"]
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "a wrong bearer token" in wrong.json()["message"]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(("networks", "status"), [(["127.0.0.0/8"], 200), (["10.0.0.0/8", "::1/128"], 403)])
def test_client_networks_need_no_token(client, settings, networks, status):
    settings.AISTRALE_METRICS_ALLOWED_NETWORKS = networks
    response = client.get("/metrics")
    assert response.status_code == status
    if status == 403:
        assert response.json()["message"] == "client 127.0.0.1 is not in AISTRALE_METRICS_ALLOWED_NETWORKS"


def test_a_bad_network_is_a_configuration_error(client, settings):
    settings.AISTRALE_METRICS_ALLOWED_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="AISTRALE_METRICS_ALLOWED_NETWORKS: '10.0.0.0/33'"):
        client.get("/metrics")


def test_other_methods_are_refused(scraper):
    assert scraper.post("/metrics").status_code == 405


def test_ingestion_counters_move_per_request(scraper, api_client):
    before = samples(scraper)
    post_batch(
        api_client,
        ingestion_event("good", "trace-create", {"id": "t1"}),
        ingestion_event("bad-level", "span-create", {"id": "s2", "level": "LOUD"}),
    )
    body = otlp_request(otlp_span("00f067aa0ba902b7"), otlp_span("11f067aa0ba902b7"))
    response = api_client.generic("POST", OTLP_URL, body, content_type="application/x-protobuf")
    assert response.status_code == 200
    after = samples(scraper)

    counted = "aistrale_ingestion_spans_total"
    assert moved(before, after, counted, source="batch", outcome="accepted") == 1
    assert moved(before, after, counted, source="batch", outcome="rejected") == 1
    assert moved(before, after, counted, source="otlp", outcome="accepted") == 2
    requests = "django_http_requests_total_by_view_transport_method_total"
    assert (
        moved(
            before, after, requests, view="observability.ingestion.views.IngestionView", transport="http", method="POST"
        )
        == 1
    )


def test_alert_evaluations_are_counted(scraper, project):
    rule = make_rule(project)
    spend(project, 2.0)
    before = samples(scraper)
    alert_rule_evaluate(rule=rule, now=NOW)
    after = samples(scraper)
    assert moved(before, after, "aistrale_alert_evaluations_total", metric="cost_per_hour", outcome="warning") == 1


@pytest.mark.django_db(transaction=True)
def test_job_outcomes_and_queue_depth(scraper):
    before = samples(scraper)
    evaluate_alert_rules.send()
    wait_for_background_work()
    after = samples(scraper)
    jobs = "aistrale_dramatiq_jobs_total"
    assert moved(before, after, jobs, queue="alerts", actor="evaluate_alert_rules", outcome="succeeded") == 1
    assert after[("aistrale_dramatiq_queue_depth", (("queue", "alerts"),))] == 0
    timed = "aistrale_dramatiq_job_duration_seconds_count"
    assert moved(before, after, timed, queue="alerts", actor="evaluate_alert_rules") == 1


def test_the_example_grafana_dashboard_reads_only_exported_metrics(scraper):
    dashboard = json.loads((settings.BASE_DIR / "docs" / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name) for e in expressions for name in METRIC.findall(e)}
    assert scraper.get("/metrics").status_code == 200
    exported = {family.name for family in REGISTRY.collect()}
    assert used and used <= exported, used - exported


COUNTING_PROCESS = """
import sys
import django
django.setup()
from aistrale.operations.metrics import ingestion_count
ingestion_count(source="otlp", accepted=int(sys.argv[1]), rejected=1)
if sys.argv[2] == "scrape":
    from django.test import Client
    from django.test.utils import override_settings
    with override_settings(AISTRALE_METRICS_TOKEN="t" * 20):
        response = Client(headers={"Authorization": "Bearer " + "t" * 20}).get("/metrics")
    assert response.status_code == 200, response.status_code
    print(response.content.decode())
"""


def test_multiprocess_mode_merges_every_process(tmp_path):
    environment = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")},
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }

    def run(accepted: int, then: str) -> str:
        command = [sys.executable, "-c", COUNTING_PROCESS, str(accepted), then]
        return subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    run(3, "exit")
    scraped = parsed(run(2, "scrape"))
    counted = "aistrale_ingestion_spans_total"
    assert scraped[(counted, (("outcome", "accepted"), ("source", "otlp")))] == 5
    assert scraped[(counted, (("outcome", "rejected"), ("source", "otlp")))] == 2
    assert ("aistrale_dramatiq_queue_depth", (("queue", "alerts"),)) in scraped
