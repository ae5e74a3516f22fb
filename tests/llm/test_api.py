"""/api/public/llm-connections through the real langfuse SDK client against a live server, and bad inputs."""

import pytest
import requests
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from langfuse.api.commons.errors.error import Error as SdkBadRequest
from langfuse.api.commons.errors.not_found_error import NotFoundError as SdkNotFound

from aistrale.llm.models import LlmConnection
from aistrale.llm.services import llm_connection_upsert
from aistrale.tenancy.models import AuditEvent
from tests.query_counts import assert_queries_constant, rows_of

SECRET = "sk-live-never-shown-0123456789-tail"
HEADER_VALUE = "header-secret-value-42"
URL = "/api/public/llm-connections"


@pytest.fixture
def sdk(live_server, key_pair):
    public_key, secret_key = key_pair
    client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url, tracing_enabled=False)
    yield client.api.llm_connections
    client.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


@pytest.mark.django_db(transaction=True)
def test_the_sdk_upserts_lists_and_deletes(sdk, project, live_server, key_pair):
    created = sdk.upsert(
        provider="my-gateway",
        adapter="openai",
        secret_key=SECRET,
        base_url="https://gateway.example.com/v1",
        custom_models=["llama-3-70b", "mixtral"],
        with_default_models=False,
        extra_headers={"X-Team": HEADER_VALUE},
    )
    assert (created.provider, created.adapter, created.display_secret_key) == ("my-gateway", "openai", "...tail")
    assert created.extra_header_keys == ["X-Team"]
    assert (created.custom_models, created.with_default_models) == (["llama-3-70b", "mixtral"], False)
    assert created.base_url == "https://gateway.example.com/v1" and created.config is None

    updated = sdk.upsert(provider="my-gateway", adapter="openai", secret_key="sk-new-key-abcdefghij-wxyz")
    assert updated.id == created.id and updated.display_secret_key == "...wxyz"
    assert updated.extra_header_keys == ["X-Team"] and updated.custom_models == []
    stored = LlmConnection.objects.get(project=project, provider="my-gateway")
    assert stored.secret_key == "sk-new-key-abcdefghij-wxyz"

    sdk.upsert(provider="claude", adapter="anthropic", secret_key="sk-ant-0123456789abcdef")
    page = sdk.list(page=1, limit=1)
    assert [connection.provider for connection in page.data] == ["claude"]
    assert (page.meta.total_items, page.meta.total_pages) == (2, 2)

    raw = requests.get(f"{live_server.url}{URL}", auth=key_pair, timeout=10).text
    for secret in (SECRET, "sk-new-key-abcdefghij-wxyz", "sk-ant-0123456789abcdef", HEADER_VALUE):
        assert secret not in raw

    assert "deleted" in sdk.delete(created.id).message
    assert [connection.provider for connection in sdk.list().data] == ["claude"]
    with pytest.raises(SdkNotFound):
        sdk.delete(created.id)
    assert AuditEvent.objects.filter(action="llm_connection.deleted", actor_label__contains="API key").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("adapter", ["bedrock", "google-vertex-ai", "google-ai-studio"])
def test_the_sdk_gets_a_400_for_adapters_not_supported_yet(sdk, adapter):
    with pytest.raises(SdkBadRequest) as error:
        sdk.upsert(provider="later", adapter=adapter, secret_key=SECRET)
    assert error.value.status_code == 400
    assert "adapter" in error.value.body["message"] and "not supported yet" in error.value.body["message"]
    assert not LlmConnection.objects.exists()


BAD_BODIES = [
    ({"adapter": "openai", "secretKey": SECRET}, "provider"),
    ({"provider": "p", "secretKey": SECRET}, "adapter"),
    ({"provider": "p", "adapter": "cohere", "secretKey": SECRET}, "adapter"),
    ({"provider": "p", "adapter": "openai"}, "secretKey"),
    ({"provider": "p", "adapter": "openai", "secretKey": ""}, "secretKey"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "baseURL": "nope"}, "baseURL"),
    ({"provider": "p", "adapter": "azure", "secretKey": SECRET}, "baseURL"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "customModels": "gpt"}, "customModels"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "customModels": ["a", "a"]}, "customModels.1"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "withDefaultModels": "maybe"}, "withDefaultModels"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "extraHeaders": ["X"]}, "extraHeaders"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "extraHeaders": {"A B": "v"}}, "extraHeaders"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "extraHeaders": {"X": {"a": 1}}}, "extraHeaders"),
    ({"provider": "p", "adapter": "anthropic", "secretKey": SECRET, "config": {"a": 1}}, "config"),
    ({"provider": "p", "adapter": "openai", "secretKey": SECRET, "config": {"region": "x"}}, "config.region"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_bodies_answer_400_naming_the_field(api_client, body, field):
    response = api_client.put(URL, body, format="json")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["error"] == "InvalidRequestError"
    assert field in answer["details"] and field in answer["message"]
    assert SECRET not in response.content.decode()
    assert not LlmConnection.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"page": "0"}, {"limit": "x"}, {"limit": "1001"}])
def test_bad_pages_answer_400_naming_the_parameter(api_client, query):
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert next(iter(query)) in response.json()["message"]


@pytest.mark.django_db
def test_wrong_methods_and_a_missing_key(api_client, client):
    assert api_client.post(URL, {}, format="json").status_code == 405
    assert api_client.get(f"{URL}/some-id").status_code == 405
    assert client.get(URL).status_code == 401


@pytest.mark.django_db
def test_other_projects_neither_see_nor_delete_the_connection(api_client, other_client, project):
    mine = api_client.put(URL, {"provider": "openai", "adapter": "openai", "secretKey": SECRET}, format="json").json()
    assert other_client.get(URL).json()["data"] == []
    assert other_client.delete(f"{URL}/{mine['id']}").status_code == 404
    theirs = other_client.put(
        URL, {"provider": "openai", "adapter": "anthropic", "secretKey": "sk-theirs-0123456789"}, format="json"
    ).json()
    assert theirs["id"] != mine["id"]
    assert LlmConnection.objects.get(project=project).adapter == "openai"
    assert [row["adapter"] for row in api_client.get(URL).json()["data"]] == ["openai"]


@pytest.mark.django_db
def test_the_list_makes_a_constant_number_of_queries(api_client, project):
    def make(index):
        llm_connection_upsert(
            project=project, provider=f"p-{index:03}", adapter="openai", secret_key=SECRET, extra_headers={"X": "1"}
        )

    assert_queries_constant(lambda: api_client.get(URL, {"limit": 100}), rows_of(make))
