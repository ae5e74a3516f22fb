"""Gateway routes and key limits in the admin: list, add with targets, refusals as form errors, scoping."""

from decimal import Decimal

import pytest

from aistrale.llm.models import LlmAdapter
from aistrale.tenancy.models import Role
from aistrale.tenancy.services import api_key_create
from observability.gateway.services import gateway_key_limit_set
from observability.models import GatewayKeyLimit, GatewayRoute
from tests.gateway.factories import connection_to, make_route
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

ROUTES = "/admin/observability/gatewayroute/"
LIMITS = "/admin/observability/gatewaykeylimit/"


@pytest.fixture
def writer_client(client, project, make_user):
    client.force_login(make_user("writer", project=project, role=Role.MEMBER))
    return client


def route_form(project, alias, *targets):
    data = {
        "project": project.pk,
        "alias": alias,
        "description": "",
        "split_seed": "3",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for index, (connection, model, weight) in enumerate(targets):
        data |= {
            f"targets-{index}-position": str(index),
            f"targets-{index}-connection": str(connection.pk),
            f"targets-{index}-model": model,
            f"targets-{index}-weight": str(weight),
        }
    return data


def test_route_list_shows_targets_with_constant_queries(writer_client, project, other_project, fake_provider):
    connection = connection_to(project, fake_provider)
    make_route(other_project, "theirs", (connection_to(other_project, fake_provider), "x"))

    def make_one(index):
        make_route(project, f"alias-{index}", (connection, "gpt-4o-mini"), (connection, "gpt-4o", 2))

    assert_queries_constant(lambda: writer_client.get(ROUTES), rows_of(make_one))
    content = writer_client.get(ROUTES).content.decode()
    assert "alias-0" in content and "theirs" not in content
    assert f"{connection.provider}/gpt-4o-mini ×0, {connection.provider}/gpt-4o ×2" in content


def test_add_a_route_with_failover_targets(writer_client, project, fake_provider, second_provider):
    primary = connection_to(project, fake_provider, name="primary")
    backup = connection_to(project, second_provider, name="backup")

    response = writer_client.post(
        f"{ROUTES}add/", route_form(project, "support-default", (primary, "gpt-4o-mini", 0), (backup, "gpt-4o", 0))
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    route = GatewayRoute.objects.get(alias="support-default")
    assert [(t.connection.provider, t.model, t.position) for t in route.targets.all()] == [
        ("primary", "gpt-4o-mini", 0),
        ("backup", "gpt-4o", 1),
    ]
    assert route.split_seed == 3
    assert writer_client.get(f"{ROUTES}{route.pk}/change/").status_code == 200


def test_mixed_shapes_are_a_form_error(writer_client, project, fake_provider):
    gpt = connection_to(project, fake_provider, name="gpt")
    claude = connection_to(project, fake_provider, adapter=LlmAdapter.ANTHROPIC, name="claude")

    response = writer_client.post(f"{ROUTES}add/", route_form(project, "mixed", (gpt, "a", 0), (claude, "b", 0)))

    assert response.status_code == 200
    assert "mixes OpenAI and Anthropic connections" in response.content.decode()
    assert not GatewayRoute.objects.exists()


def test_set_key_limits(writer_client, project, key_pair):
    api_key = project.api_keys.get()

    response = writer_client.post(
        f"{LIMITS}add/", {"api_key": api_key.pk, "requests_per_minute": "60", "spend_per_day": "5.50"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    limit = GatewayKeyLimit.objects.get()
    assert (limit.project, limit.requests_per_minute, limit.spend_per_day) == (project, 60, Decimal("5.50"))
    assert key_pair[0] in writer_client.get(LIMITS).content.decode()


def test_limit_list_with_constant_queries(writer_client, project):
    def make_one(index):
        api_key, _ = api_key_create(project=project, note=f"key {index}")
        gateway_key_limit_set(api_key=api_key, requests_per_minute=index + 1, spend_per_day=None)

    assert_queries_constant(lambda: writer_client.get(LIMITS), rows_of(make_one))
