"""Every /api/ path answers JSON: 404 in the Langfuse error shape for no endpoint, 405 for a wrong method,
never Django's HTML pages (CSRF 403 included: key-authenticated endpoints need no CSRF token)."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from aistrale.api.views import csrf_failure
from tests.clients import basic_auth

UNKNOWN_PATHS = ["/api/public/no-such-endpoint", "/api/public/v9/things/1", "/api/other", "/api/public/traces/"]
METHODS = ["get", "post", "put", "patch", "delete", "options", "head"]


def api_patterns(resolver=None, prefix=""):
    """(route, callback) of every URL pattern under api/."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
            yield route, pattern.callback


def test_every_api_route_is_csrf_exempt():
    routes = list(api_patterns())
    assert any(route == "^api/" for route, _ in routes), "the catch-all answers unknown /api/ paths"
    assert [route for route, callback in routes if not getattr(callback, "csrf_exempt", False)] == []


@pytest.fixture
def browser_client(make_user):
    """A client with a logged-in admin session and CSRF checks on, as a browser next to the SDK would be."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin-user", superuser=True))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("method", METHODS)
def test_unknown_api_paths_answer_json_404_for_every_method(browser_client, key_pair, method):
    body = {} if method in ("get", "head") else {"data": b'{"a": 1}', "content_type": "application/json"}
    for path in UNKNOWN_PATHS:
        response = getattr(browser_client, method)(path, HTTP_AUTHORIZATION=basic_auth(*key_pair), **body)
        assert response.status_code == 404, (method, path, response.content[:200])
        assert response["Content-Type"] == "application/json"
        if method != "head":
            assert response.json() == {
                "message": f"No API route {method.upper()} {path}",
                "error": "LangfuseNotFoundError",
            }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/public/ingestion"), ("post", "/api/public/health"), ("patch", "/api/public/health")],
)
def test_a_wrong_method_answers_json_405(browser_client, key_pair, method, path):
    response = getattr(browser_client, method)(
        path, data=b"{}", content_type="application/json", HTTP_AUTHORIZATION=basic_auth(*key_pair)
    )
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert response.json()["error"] == "MethodNotAllowedError" and method.upper() in response.json()["message"]


@pytest.mark.django_db
def test_a_wrong_method_on_the_otlp_endpoint_answers_an_otlp_json_status(browser_client, key_pair):
    response = browser_client.delete(
        "/api/public/otel/v1/traces",
        data=b"{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(*key_pair),
    )
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "DELETE" in response.json()["message"]


@pytest.mark.django_db
def test_key_authenticated_writes_need_no_csrf_token_next_to_a_session(browser_client, key_pair):
    response = browser_client.post(
        "/api/public/ingestion",
        {"batch": []},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(*key_pair),
    )
    assert response.status_code == 207, response.content[:200]


@pytest.mark.django_db
def test_an_unhandled_error_under_api_answers_json_500(key_pair, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("observability.ingestion.views.ingest_batch", broken)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/public/ingestion",
        {"batch": []},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(*key_pair),
    )
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Internal server error", "error": "InternalServerError"}


def test_a_csrf_failure_under_api_answers_json_and_elsewhere_django_page(rf):
    response = csrf_failure(rf.post("/api/public/anything"), reason="CSRF cookie not set.")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["error"] == "AccessDeniedError" and "CSRF cookie not set." in body["message"]
    page = csrf_failure(rf.post("/admin/login/"), reason="CSRF cookie not set.")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
