import anthropic
import openai
import pytest
from django.test import override_settings
from django.utils import timezone

from observability.gateway import views
from tests.fakes.provider import FakeProvider, Reply


@pytest.fixture(autouse=True)
def _short_timeouts():
    with override_settings(LLM_TIMEOUT_SECONDS=5):
        yield


@pytest.fixture
def second_provider():
    """Another fake provider (the failover target)."""
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def failing_provider():
    """A fake provider that answers every request with 503."""
    with FakeProvider(lambda request: Reply(status=503, error="upstream overloaded")) as provider:
        yield provider


@pytest.fixture
def openai_client(live_server, key_pair):
    """The real openai SDK pointed at the gateway with the project's secret key (no SDK retries)."""
    client = openai.OpenAI(base_url=f"{live_server.url}/api/v1", api_key=key_pair[1], max_retries=0)
    yield client
    client.close()


@pytest.fixture
def anthropic_client(live_server, key_pair):
    """The real anthropic SDK pointed at the gateway with the project's secret key (no SDK retries)."""
    client = anthropic.Anthropic(base_url=f"{live_server.url}/api", api_key=key_pair[1], max_retries=0)
    yield client
    client.close()


@pytest.fixture
def fixed_clock(monkeypatch):
    """Requests arrive at 10 s past a minute (a window boundary never falls between a test's requests)."""
    at = timezone.now().replace(second=10, microsecond=0)
    monkeypatch.setattr(views, "request_time", lambda: at)
    return at
