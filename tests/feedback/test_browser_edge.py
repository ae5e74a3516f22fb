"""The browser POST served ahead of the middleware stack: what the answer keeps of the stack, outages, and the
shortcuts it takes to PostgreSQL and Redis."""

import os

import pytest
import redis
from django.core.cache import caches
from django.db import connection

from evals.models import Score
from feedback import policy, rate_limit
from tests.feedback.factories import browser_client, post_batch, score_event

pytestmark = pytest.mark.django_db
SECURITY_HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")
needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="prepared statements need PostgreSQL"
)
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis counter needs REDIS_URL")


def test_the_answer_carries_the_security_headers_of_every_answer_and_its_length(client, public_key, allowed):
    other = client.get("/api/public/health")

    response = post_batch(browser_client(public_key), score_event())

    assert response.status_code == 207
    assert {name: response.get(name) for name in SECURITY_HEADERS} == {name: other[name] for name in SECURITY_HEADERS}
    assert int(response["Content-Length"]) == len(response.content)


def test_a_host_that_is_not_allowed_is_refused(public_key, project, allowed):
    response = post_batch(browser_client(public_key), score_event(), HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert not Score.objects.filter(project=project).exists()


def test_an_unreachable_redis_is_503_with_retry_after(public_key, project, allowed, monkeypatch, settings):
    def unreachable(**kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(policy, "rate_limit_hit", unreachable)

    response = post_batch(browser_client(public_key), score_event())

    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.AISTRALE_RETRY_AFTER_SECONDS)
    assert response.json()["error"] == "ServiceUnavailableError"
    assert not Score.objects.filter(project=project).exists()


def _prepared_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO evals_score%%'")
        return cursor.fetchone()[0]


@needs_postgres
def test_on_postgresql_the_insert_is_prepared_once_per_connection(public_key, project, allowed):
    client = browser_client(public_key)
    for _ in range(3):
        assert post_batch(client, score_event()).json()["errors"] == []

    assert _prepared_statements() == 1
    assert Score.objects.filter(project=project).count() == 3


@needs_postgres
def test_behind_a_transaction_pooler_nothing_is_prepared(public_key, project, allowed, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)

    assert post_batch(browser_client(public_key), score_event()).json()["errors"] == []

    assert _prepared_statements() == 0
    assert Score.objects.filter(project=project).count() == 1


@needs_redis
def test_a_redis_that_has_not_got_the_count_script_still_counts(clock, monkeypatch):
    monkeypatch.setattr(rate_limit, "COUNT_SHA", "0" * 40)

    counts = [rate_limit.rate_limit_hit(public_key="pk-noscript", address="192.0.2.9") for _ in range(2)]

    assert [verdict.allowed for verdict in counts] == [True, True]
    assert caches["default"].get(f"feedback-rate:pk-noscript:192.0.2.9:{int(clock.now // 60)}") == 2


@needs_redis
def test_a_counter_connection_redis_closed_is_reopened(clock, settings):
    settings.AISTRALE_FEEDBACK_RATE_LIMIT = 1
    rate_limit.rate_limit_hit(public_key="pk-killed", address="192.0.2.8")
    own = rate_limit._thread_connection(caches["default"])
    own.send_command("CLIENT", "ID")
    client_id = own.read_response()
    caches["default"]._cache.get_client(write=True).client_kill_filter(_id=client_id)

    verdict = rate_limit.rate_limit_hit(public_key="pk-killed", address="192.0.2.8")

    assert not verdict.allowed
