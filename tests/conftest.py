"""Fixtures every app's tests share: projects, key pairs, API clients, users of each role, the bundled price
table and a production server."""

import shutil

import pytest

from aistrale.tenancy.models import Role
from aistrale.tenancy.services import api_key_create, membership_set, organization_get_or_create, project_get_or_create
from bench.server import VENV_BIN, production_server
from observability.models import ModelDefinition
from observability.services.pricing import model_definition_seed
from tests.caches import clear_cache
from tests.clients import make_client
from tests.fakes.provider import FakeProvider


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


@pytest.fixture
def model_prices(db):
    """The bundled price table, re-seeded after transactional tests flushed the migration's rows."""
    if not ModelDefinition.objects.filter(project__isnull=True).exists():
        model_definition_seed()


@pytest.fixture
def owner(project, make_user):
    """A user with the owner role in `project`."""
    return make_user("owner", project=project, role=Role.OWNER)


@pytest.fixture
def project_admin(project, make_user):
    """A user with the admin role in `project` (pytest-django's `admin_user` is a superuser)."""
    return make_user("projectadmin", project=project, role=Role.ADMIN)


@pytest.fixture
def member(project, make_user):
    """A user with the member role in `project`."""
    return make_user("member", project=project, role=Role.MEMBER)


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    """gunicorn with two workers on a SQLite database of this module's own (bench.server.production_server)."""
    if shutil.which("gunicorn", path=str(VENV_BIN)) is None:
        pytest.skip("needs gunicorn")
    database_url = f"sqlite:///{tmp_path_factory.mktemp('gunicorn') / 'gunicorn.sqlite3'}"
    with production_server(database_url=database_url, workers=2) as server:
        yield server


@pytest.fixture
def member_client(client, member):
    """The test client, logged in as `member`."""
    client.force_login(member)
    return client


@pytest.fixture
def fake_provider():
    """A local fake OpenAI/Anthropic server (tests/fakes/provider.py) for the real provider SDKs."""
    with FakeProvider() as provider:
        yield provider
