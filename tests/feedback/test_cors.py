"""CORS of the browser path: preflight and actual responses, only for the origins a project allows."""

import pytest

from evals.models import Score
from tests.feedback.factories import INGESTION_URL, ORIGIN, allow_origins, browser_client, post_batch, score_event

pytestmark = pytest.mark.django_db
OTHER_ORIGIN = "https://evil.example.net"


def preflight(client, origin):
    return client.options(
        INGESTION_URL,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )


def test_preflight_from_an_allowed_origin_allows_the_post(client, allowed):
    response = preflight(client, ORIGIN)

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= {
        header.strip().lower() for header in response["Access-Control-Allow-Headers"].split(",")
    }
    assert "Origin" in response["Vary"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_preflight_from_another_origin_is_refused_without_cors_headers(client, allowed):
    response = preflight(client, OTHER_ORIGIN)

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert response.json()["error"] == "AccessDeniedError"
    assert OTHER_ORIGIN in response.json()["message"]


def test_no_origin_is_allowed_by_default(client, project):
    assert preflight(client, ORIGIN).status_code == 403


def test_an_origin_that_only_prefixes_an_allowed_one_is_refused(client, project):
    allow_origins(project, "https://app.example.com:8443")

    assert preflight(client, "https://app.example.com").status_code == 403
    assert preflight(client, "https://app.example.com:8443").status_code == 204


def test_the_actual_response_carries_cors_headers_for_an_allowed_origin(public_key, allowed):
    response = post_batch(browser_client(public_key), score_event())

    assert response.status_code == 207
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    assert "Origin" in response["Vary"]


def test_a_post_from_another_origin_is_refused_and_stores_nothing(public_key, project, allowed):
    response = post_batch(browser_client(public_key, origin=OTHER_ORIGIN), score_event())

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert "may not send feedback to this project" in response.json()["message"]
    assert not Score.objects.filter(project=project).exists()


def test_an_origin_allowed_by_another_project_is_not_allowed_for_this_one(public_key, project, other_project):
    allow_origins(other_project, ORIGIN)

    assert preflight(browser_client(public_key), ORIGIN).status_code == 204  # a preflight names no project
    response = post_batch(browser_client(public_key), score_event())

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_secret_key_requests_get_no_cors_headers(api_client, allowed):
    response = api_client.post(INGESTION_URL, {"batch": [score_event()]}, format="json", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 207
    assert "Access-Control-Allow-Origin" not in response


def test_an_error_answer_to_an_allowed_origin_is_readable_by_the_page(public_key, allowed):
    response = browser_client(public_key).post(INGESTION_URL, {"batch": "nope"}, format="json")

    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_a_change_of_origins_applies_to_the_next_request(public_key, project, allowed):
    client = browser_client(public_key)
    assert post_batch(client, score_event()).status_code == 207

    allow_origins(project, "https://other.example.com")

    assert post_batch(client, score_event()).status_code == 403
