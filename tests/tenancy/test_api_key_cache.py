"""The per-process memo of verified API keys: fast, and never serving a revoked, changed or wrong key."""

import pytest

from aistrale.api import key_cache
from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import ApiKey, Role
from aistrale.tenancy.services import api_key_create, api_key_revoke
from tests.caches import clear_cache
from tests.clients import make_client

pytestmark = pytest.mark.django_db

SHARED = tokens_shared()


def authenticate(public_key, secret_key):
    verified = key_cache.authenticate(public_key=public_key, secret_key=secret_key)
    return None if verified is None else verified[0]


@pytest.fixture
def warm(key_pair):
    """The key pair, verified once so this process has it memoized (with Redis)."""
    assert authenticate(*key_pair) is not None
    return key_pair


def test_a_warm_key_costs_no_query_with_redis_and_one_without(warm, django_assert_num_queries):
    with django_assert_num_queries(0 if SHARED else 1):
        key = authenticate(*warm)
    assert key.public_key == warm[0]


def test_the_memo_carries_project_and_role(warm, project):
    key = authenticate(*warm)
    assert (key.project_id, key.role) == (project.pk, Role.MEMBER)


def test_a_wrong_secret_is_refused_even_when_the_key_is_warm(warm):
    assert authenticate(warm[0], "sk-lf-wrong-secret-0000000000") is None
    assert authenticate(warm[0], warm[1]) is not None


def test_a_revoked_key_is_refused_on_the_next_call(warm):
    api_key_revoke(api_key=ApiKey.objects.get(public_key=warm[0]))
    assert authenticate(*warm) is None


def test_a_deleted_key_is_refused_on_the_next_call(warm):
    ApiKey.objects.filter(public_key=warm[0]).get().delete()
    assert authenticate(*warm) is None


def test_a_role_change_is_seen_on_the_next_call(warm):
    api_key = ApiKey.objects.get(public_key=warm[0])
    api_key.role = Role.ADMIN
    api_key.save()
    assert authenticate(*warm).role == Role.ADMIN


def test_deleting_the_project_refuses_its_keys(warm, project):
    project.delete()
    assert authenticate(*warm) is None


def test_other_keys_stay_warm_when_one_is_revoked(warm, project, django_assert_num_queries):
    other, secret = api_key_create(project=project, note="other")
    authenticate(other.public_key, secret)
    api_key_revoke(api_key=other)
    with django_assert_num_queries(0 if SHARED else 1):
        assert authenticate(*warm) is not None


@pytest.mark.skipif(not SHARED, reason="generation tokens live in Redis")
def test_a_lost_token_means_asking_the_database(warm, django_assert_num_queries):
    clear_cache()
    with django_assert_num_queries(1):
        assert authenticate(*warm) is not None
    with django_assert_num_queries(0):
        assert authenticate(*warm) is not None


def test_the_api_refuses_a_revoked_key_on_the_next_request(api_client, project):
    assert api_client.get("/api/public/projects").status_code == 200
    assert api_client.get("/api/public/projects").status_code == 200
    api_key_revoke(api_key=project.api_keys.get())
    response = api_client.get("/api/public/projects")
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"


def test_the_api_refuses_a_wrong_secret_when_the_key_is_warm(api_client, key_pair):
    assert api_client.get("/api/public/projects").status_code == 200
    response = make_client(key_pair[0], "sk-lf-wrong-secret-0000000000").get("/api/public/projects")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid credentials: unknown or revoked key, or wrong secret."


def test_a_warm_key_loads_its_project_on_use(api_client, project, django_assert_num_queries):
    """The memo holds no rows: a view that reads the project pays the one query the key lookup used to."""
    api_client.get("/api/public/projects")
    with django_assert_num_queries(2):
        [body] = api_client.get("/api/public/projects").json()["data"]
    assert (body["id"], body["name"]) == (project.pk, "Chatbot")
