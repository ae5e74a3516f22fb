"""GET /api/public/v2/prompts/{name} from the worker's memo: same answers as the full path, never stale."""

import pytest

from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import ApiKey, Role
from aistrale.tenancy.services import api_key_revoke
from prompts.services import prompt_labels_set, prompt_version_create
from tests.clients import make_client
from tests.isolation import assert_not_found_for_other_project

pytestmark = pytest.mark.django_db

PROMPTS = "/api/public/v2/prompts"
SHARED = tokens_shared()


V1 = "Hello {{name}}, how can I help?"
V2 = "Hi {{name}}! How may I help today?"


def fetch(client, **params):
    return client.get(f"{PROMPTS}/support%2Fgreeting", params)


def test_a_warm_fetch_costs_no_query_with_redis_and_one_without(api_client, greeting, django_assert_num_queries):
    fetch(api_client)
    with django_assert_num_queries(0 if SHARED else 1):
        response = fetch(api_client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (response.json()["name"], response.json()["prompt"]) == ("support/greeting", V1)


def test_warm_fetches_answer_like_the_full_path(api_client, greeting):
    cold = {key: fetch(api_client, **params).content for key, params in _variants().items()}
    warm = {key: fetch(api_client, **params).content for key, params in _variants().items()}
    assert warm == cold
    assert fetch(api_client, version=2).json()["prompt"] == V2
    assert fetch(api_client, label="staging").json()["version"] == 2
    assert fetch(api_client, resolve="false").json()["version"] == 1


def _variants():
    return {"default": {}, "production": {"label": "production"}, "v1": {"version": 1}, "latest": {"label": "latest"}}


def test_a_label_move_is_seen_by_the_next_warm_fetch(api_client, greeting):
    fetch(api_client)
    assert fetch(api_client).json()["version"] == 1
    prompt_labels_set(version=greeting.versions.get(version=2), labels=["production"], actor_role=Role.MEMBER)
    assert fetch(api_client).json()["version"] == 2


def test_a_change_to_a_composed_prompt_is_seen_by_the_next_warm_fetch(api_client, project):
    prompt_version_create(project=project, name="base", content="base one", labels=["production"])
    prompt_version_create(
        project=project,
        name="outer",
        content="outer + @@@langfusePrompt:name=base|label=production@@@",
        labels=["production"],
    )
    api_client.get(f"{PROMPTS}/outer")
    assert api_client.get(f"{PROMPTS}/outer").json()["prompt"] == "outer + base one"
    prompt_version_create(project=project, name="base", content="base two", labels=["production"])
    assert api_client.get(f"{PROMPTS}/outer").json()["prompt"] == "outer + base two"


def test_a_revoked_key_is_refused_on_the_next_warm_fetch(api_client, greeting, key_pair):
    fetch(api_client)
    assert fetch(api_client).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(public_key=key_pair[0]))
    response = fetch(api_client)
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"


def test_a_wrong_secret_is_refused_while_the_key_is_warm(api_client, greeting, key_pair):
    fetch(api_client)
    assert fetch(api_client).status_code == 200
    response = fetch(make_client(key_pair[0], "sk-lf-wrong-secret-0000000000"))
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid credentials: unknown or revoked key, or wrong secret."


def test_the_public_key_alone_is_refused_while_the_key_is_warm(api_client, greeting, key_pair):
    fetch(api_client)
    response = fetch(make_client(key_pair[0]))
    assert response.status_code == 403
    assert response.json()["error"] == "AccessDeniedError"


def test_another_project_never_gets_a_warm_body(api_client, other_client, other_project, greeting):
    fetch(api_client)
    fetch(api_client)
    assert_not_found_for_other_project(other_client, "get", f"{PROMPTS}/support%2Fgreeting")
    prompt_version_create(project=other_project, name="support/greeting", content="theirs", labels=["production"])
    fetch(other_client)
    assert fetch(other_client).json()["prompt"] == "theirs"
    assert fetch(api_client).json()["prompt"] == V1


def test_bad_requests_get_the_langfuse_envelope(api_client, greeting):
    fetch(api_client)
    response = fetch(api_client, version="zero")
    assert response.status_code == 400
    assert "version" in response.json()["message"]
    assert fetch(api_client, label="missing").status_code == 404


def test_delete_still_reaches_the_api_view(api_client, greeting):
    fetch(api_client)
    assert api_client.delete(f"{PROMPTS}/support%2Fgreeting").status_code == 204
    assert fetch(api_client).status_code == 404
