"""Fixtures every app's tests share: projects, key pairs and API clients."""

import base64

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import Role
from aistrale.tenancy.services import api_key_create, membership_set, organization_get_or_create, project_get_or_create


def basic_auth(public_key: str, secret_key: str = "") -> str:
    return "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()


def make_client(public_key: str, secret_key: str = "") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth(public_key, secret_key))
    return client


def clear_cache() -> None:
    cache.clear()
    redis_settle()


def redis_settle() -> None:
    """A round trip to Redis after a write made outside aistrale.generation_tokens (which does this itself).

    Redis answers it only once it has pushed the write's invalidations to every tracking connection.
    """
    if tokens_shared():
        redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).ping()


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def organization(db):
    return organization_get_or_create(name="Acme")


@pytest.fixture
def project(organization):
    return project_get_or_create(organization=organization, name="Chatbot")


@pytest.fixture
def other_project(db):
    return project_get_or_create(organization=organization_get_or_create(name="Globex"), name="Billing Assistant")


@pytest.fixture
def key_pair(project):
    api_key, secret_key = api_key_create(project=project, note="tests")
    return api_key.public_key, secret_key


@pytest.fixture
def api_client(key_pair):
    """A client authenticated with the `project` fixture's secret key."""
    return make_client(*key_pair)


@pytest.fixture
def other_client(other_project):
    """A client of another project: it must never see or change `project`'s data."""
    api_key, secret_key = api_key_create(project=other_project, note="tests")
    return make_client(api_key.public_key, secret_key)


@pytest.fixture
def make_user(db, django_user_model):
    def make(username: str, *, project=None, organization=None, role: Role = Role.MEMBER, superuser=False):
        user = django_user_model.objects.create_user(
            username=username, password="pw-" + username, is_staff=True, is_superuser=superuser
        )
        if project is not None or organization is not None:
            membership_set(user=user, project=project, organization=organization, role=role)
        return user

    return make
