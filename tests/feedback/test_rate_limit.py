"""The browser path's rate limit per key and client address: 429 with Retry-After, then allowed again."""

import pytest

from tests.feedback.factories import ORIGIN, browser_client, post_batch, score_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_per_minute(settings):
    settings.AISTRALE_FEEDBACK_RATE_LIMIT = 2
    settings.AISTRALE_FEEDBACK_RATE_WINDOW_SECONDS = 60


def test_past_the_limit_a_browser_gets_429_until_the_window_ends(public_key, allowed, clock):
    client = browser_client(public_key)
    assert [post_batch(client, score_event()).status_code for _ in range(2)] == [207, 207]
    clock.now += 15

    refused = post_batch(client, score_event())

    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {
        "message": "Too many feedback requests with this key from this address. Expected available in 45 seconds.",
        "error": "RateLimitError",
    }
    assert refused["Access-Control-Allow-Origin"] == ORIGIN
    clock.now += 45
    assert post_batch(client, score_event()).status_code == 207


def test_the_limit_counts_per_client_address(public_key, allowed, clock):
    client = browser_client(public_key)
    for _ in range(2):
        post_batch(client, score_event())

    assert post_batch(client, score_event()).status_code == 429
    assert post_batch(browser_client(public_key, address="198.51.100.1"), score_event()).status_code == 207


def test_the_limit_counts_per_key(project, public_key, allowed, clock):
    from aistrale.tenancy.services import api_key_create

    client = browser_client(public_key)
    for _ in range(2):
        post_batch(client, score_event())
    other_key, _ = api_key_create(project=project, note="second widget")

    assert post_batch(client, score_event()).status_code == 429
    assert post_batch(browser_client(other_key.public_key), score_event()).status_code == 207


def test_secret_key_requests_are_not_limited(api_client, allowed, clock):
    for _ in range(4):
        response = api_client.post("/api/public/ingestion", {"batch": [score_event()]}, format="json")
        assert response.status_code == 207


def test_a_refused_request_stores_nothing(public_key, project, allowed, clock):
    from evals.models import Score

    client = browser_client(public_key)
    for _ in range(2):
        post_batch(client, score_event())
    event = score_event()

    assert post_batch(client, event).status_code == 429
    assert not Score.objects.filter(project=project, id=event["body"]["id"]).exists()


def test_the_count_is_kept_in_the_cache_with_the_window_as_its_lifetime(public_key, allowed, clock):
    from django.core.cache import caches

    from feedback import rate_limit

    verdicts = [rate_limit.rate_limit_hit(public_key="pk", address="192.0.2.1") for _ in range(3)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, False]
    key = f"feedback-rate:pk:192.0.2.1:{int(clock.now // 60)}"
    assert caches["default"].get(key) == 3
