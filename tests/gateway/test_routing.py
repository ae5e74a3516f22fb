"""Routes: attempt order, the seeded weighted split, and the rules of their targets."""

import random
from collections import Counter

import openai
import pytest

from aistrale.errors import DomainError
from aistrale.llm.models import LlmAdapter
from aistrale.tenancy.models import AuditEvent
from observability.gateway.routing import attempt_order, split_draw
from observability.gateway.services import gateway_key_limit_set, gateway_route_save
from observability.models import GatewayTarget
from tests.gateway.factories import connection_to, make_route

DRAWS = 10_000
TOLERANCE = 0.02  # 10,000 draws: the share's standard deviation is about 0.005; 0.02 is four of them


def targets(*weights):
    return [GatewayTarget(pk=index + 1, model=f"m{index}", position=index, weight=w) for index, w in enumerate(weights)]


def test_without_weights_the_order_is_the_position():
    a, b, c = targets(0, 0, 0)
    assert attempt_order(targets=[a, b, c], draw=0.99) == [a, b, c]


def test_the_weighted_pick_comes_first_then_the_rest_by_position():
    a, b, c = targets(1, 3, 0)
    assert attempt_order(targets=[a, b, c], draw=0.1) == [a, b, c]
    assert attempt_order(targets=[a, b, c], draw=0.5) == [b, a, c]


@pytest.mark.django_db
def test_a_70_30_split_over_many_draws_is_within_tolerance_and_reproducible(project, fake_provider, second_provider):
    route = make_route(
        project,
        "ab",
        (connection_to(project, fake_provider, name="a"), "model-a", 70),
        (connection_to(project, second_provider, name="b"), "model-b", 30),
        split_seed=42,
    )
    ordered = list(route.targets.order_by("position"))
    firsts = [attempt_order(targets=ordered, draw=split_draw(route=route))[0].model for _ in range(DRAWS)]
    replay = random.Random(42)
    expected = [attempt_order(targets=ordered, draw=replay.random())[0].model for _ in range(DRAWS)]

    assert abs(Counter(firsts)["model-a"] / DRAWS - 0.7) <= TOLERANCE
    assert firsts == expected


@pytest.mark.django_db(transaction=True)
def test_split_through_the_gateway_follows_the_seed(openai_client, project, fake_provider, second_provider):
    make_route(
        project,
        "ab",
        (connection_to(project, fake_provider, name="a"), "model-a", 1),
        (connection_to(project, second_provider, name="b"), "model-b", 1),
        split_seed=7,
    )
    calls = 40
    replay = random.Random(7)
    expected_a = sum(replay.random() < 0.5 for _ in range(calls))

    answered = [
        openai_client.chat.completions.with_raw_response.create(
            model="ab", messages=[{"role": "user", "content": "hi"}]
        ).headers["x-aistrale-connection"]
        for _ in range(calls)
    ]

    assert Counter(answered) == {"a": expected_a, "b": calls - expected_a}
    assert (len(fake_provider.requests), len(second_provider.requests)) == (expected_a, calls - expected_a)


@pytest.mark.django_db
def test_targets_of_another_project_or_mixed_shapes_are_refused(project, other_project, fake_provider):
    mine = connection_to(project, fake_provider, name="mine")
    claude = connection_to(project, fake_provider, adapter=LlmAdapter.ANTHROPIC, name="claude")
    theirs = connection_to(other_project, fake_provider, name="theirs")

    def save(*rows, alias="r"):
        targets = [{"connection": connection, "model": "m"} for connection in rows]
        return gateway_route_save(route=None, project=project, alias=alias, targets=targets)

    with pytest.raises(DomainError) as other:
        save(mine, theirs)
    with pytest.raises(DomainError) as mixed:
        save(mine, claude)
    with pytest.raises(DomainError) as empty:
        save()
    route = save(mine)
    with pytest.raises(DomainError) as clash:
        save(mine)

    assert (other.value.field, other.value.message) == ("targets.1.connection", "is a connection of another project")
    assert mixed.value.field == "targets" and "one API shape" in mixed.value.message
    assert empty.value.field == "targets"
    assert (clash.value.field, clash.value.status) == ("alias", 409)
    event = AuditEvent.objects.get(action="gateway_route.created")
    assert event.after["targets"] == [{"connection": "mine", "model": "m", "position": 0, "weight": 0}]
    assert route.targets.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_route_change_applies_to_the_next_request(openai_client, project, fake_provider, second_provider):
    route = make_route(project, "moving", (connection_to(project, fake_provider, name="a"), "m"))
    ask = {"model": "moving", "messages": [{"role": "user", "content": "hi"}]}
    first = openai_client.chat.completions.with_raw_response.create(**ask).headers["x-aistrale-connection"]
    gateway_route_save(
        route=route,
        project=project,
        alias="moving",
        targets=[{"connection": connection_to(project, second_provider, name="b"), "model": "m"}],
    )
    second = openai_client.chat.completions.with_raw_response.create(**ask).headers["x-aistrale-connection"]

    assert (first, second) == ("a", "b")
    with pytest.raises(openai.NotFoundError):
        openai_client.chat.completions.create(**{**ask, "model": "gone"})


@pytest.mark.django_db(transaction=True)
def test_a_connection_or_limit_change_applies_to_the_next_request(
    openai_client, project, fake_provider, second_provider, fixed_clock
):
    connection = connection_to(project, fake_provider, name="moving")
    make_route(project, "r", (connection, "m"))
    ask = {"model": "r", "messages": [{"role": "user", "content": "hi"}]}
    openai_client.chat.completions.create(**ask)
    connection.base_url = second_provider.openai_url
    connection.save()
    openai_client.chat.completions.create(**ask)
    gateway_key_limit_set(api_key=project.api_keys.get(), requests_per_minute=1, spend_per_day=None)
    openai_client.chat.completions.create(**ask)

    with pytest.raises(openai.RateLimitError):
        openai_client.chat.completions.create(**ask)
    assert (len(fake_provider.requests), len(second_provider.requests)) == (1, 2)
