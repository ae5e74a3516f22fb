"""An unreachable database or Redis answers 503 with Retry-After in each endpoint's shape; bugs stay 500."""

import gzip

import orjson
import pytest
import redis
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.test import RequestFactory, override_settings
from google.rpc import code_pb2
from google.rpc.status_pb2 import Status
from redis.backoff import NoBackoff
from redis.retry import Retry

from aistrale import generation_tokens
from aistrale.api.errors import langfuse_exception_handler
from aistrale.api.outage import OutageMiddleware, unavailable_message
from aistrale.generation_tokens import tokens_shared
from prompts.services import prompt_version_create
from tests.observability.factories import OTLP_URL, otlp_request, otlp_span

pytestmark = pytest.mark.django_db(transaction=True)


def assert_langfuse_unavailable(response, what: str):
    assert response.status_code == 503
    assert response["Retry-After"] == str(django_settings.AISTRALE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    body = orjson.loads(response.content)
    assert body["error"] == "ServiceUnavailableError"
    assert body["message"].startswith(f"{what} is unreachable")


def test_otlp_protobuf_answers_unavailable_status(api_client, database_unreachable, retry_after):
    response = api_client.post(
        OTLP_URL,
        gzip.compress(otlp_request(otlp_span("0001020304050607", "down"))),
        content_type="application/x-protobuf",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 503 and response["Retry-After"] == retry_after
    assert response["Content-Type"] == "application/x-protobuf"
    status = Status.FromString(response.content)
    assert status.code == code_pb2.UNAVAILABLE and status.message.startswith("The database is unreachable")


def test_otlp_json_answers_unavailable_status(api_client, database_unreachable, retry_after):
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "1"}]}]}]}
    response = api_client.post(OTLP_URL, orjson.dumps(body), content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == retry_after
    assert response["Content-Type"] == "application/json"
    status = response.json()
    assert status["code"] == code_pb2.UNAVAILABLE and status["message"].startswith("The database is unreachable")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/public/ingestion", {"batch": []}),
        ("get", "/api/public/traces", None),
        ("get", "/api/public/v2/prompts/greeting", None),
        ("post", "/api/public/scores", {"traceId": "t", "name": "n", "value": 1}),
    ],
)
def test_langfuse_endpoints_answer_503_when_authentication_cannot_reach_the_database(
    api_client, database_unreachable, method, path, body
):
    response = getattr(api_client, method)(path, body, format="json")
    assert_langfuse_unavailable(response, "The database")


def test_health_says_503_without_the_driver_text(client, database_unreachable, retry_after):
    response = client.get("/api/public/health")
    assert response.status_code == 503 and response["Retry-After"] == retry_after
    body = response.json()
    assert body["status"] == "Database error"
    text = response.content.decode()
    assert "127.0.0.1" not in text and connection.settings_dict["NAME"] not in text and "port" not in text


def test_admin_login_answers_503_in_plain_text(client, database_unreachable, retry_after):
    response = client.post("/admin/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 503 and response["Retry-After"] == retry_after
    assert response["Content-Type"].startswith("text/plain")


def test_redis_unreachable_in_authentication_is_503(api_client, redis_unreachable, retry_after):
    assert tokens_shared()
    assert_langfuse_unavailable(api_client.get("/api/public/traces"), "Redis")
    response = api_client.post(
        OTLP_URL, otlp_request(otlp_span("0001020304050607", "down")), content_type="application/x-protobuf"
    )
    assert response.status_code == 503 and response["Retry-After"] == retry_after
    assert Status.FromString(response.content).code == code_pb2.UNAVAILABLE


def test_health_checks_redis_when_it_is_the_cache(client, redis_unreachable):
    response = client.get("/api/public/health")
    assert response.status_code == 503 and response.json()["status"] == "Redis error"


@pytest.mark.skipif(not tokens_shared(), reason="the memoized prompt fetch needs Redis (REDIS_URL)")
def test_memoized_prompt_fetch_answers_503_when_redis_goes_away(
    api_client, project, settings, retry_after, closed_port
):
    prompt_version_create(project=project, name="greeting", content="hi", labels=["production"])
    assert api_client.get("/api/public/v2/prompts/greeting").status_code == 200
    caches = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{closed_port}/0"}}
    with override_settings(CACHES=caches):
        generation_tokens._forget_connections()
        assert_langfuse_unavailable(api_client.get("/api/public/v2/prompts/greeting"), "Redis")
    generation_tokens._forget_connections()


def test_the_middleware_answers_views_outside_drf(retry_after, closed_port):
    with pytest.raises(redis.ConnectionError) as raised:
        redis.Redis(port=closed_port, retry=Retry(NoBackoff(), 0)).ping()
    middleware = OutageMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get("/api/public/v2/prompts/x"), raised.value)
    assert_langfuse_unavailable(response, "Redis")
    assert middleware.process_exception(RequestFactory().get("/api/x"), ValueError("bug")) is None


def test_programming_errors_stay_500():
    with pytest.raises(Exception) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM no_such_table")
    assert unavailable_message(raised.value) is None
    assert langfuse_exception_handler(raised.value, {}) is None
    assert unavailable_message(OperationalError("no cause")) is None
