"""The model price table: /api/public/models CRUD, the seed, and cost with tiers and overrides."""

import io

import pytest
from django.core.management import call_command
from django.utils.dateparse import parse_datetime

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from observability.ingestion.costs import calculate_cost, normalize_usage, price_table
from observability.models import ModelDefinition
from observability.services.pricing import SEED_FILE, model_definition_create, model_definition_seed
from tests.isolation import assert_absent_from_other_project_list, assert_not_found_for_other_project
from tests.query_counts import FEW_ROWS, MORE_ROWS, assert_queries_constant, rows_of

URL = "/api/public/models"


def create(client, **body):
    return client.post(URL, {"modelName": "my-model", "matchPattern": "(?i)^my-model$", **body}, format="json")


@pytest.mark.django_db
def test_seed_is_idempotent_and_complete(model_prices):
    before = ModelDefinition.objects.filter(project__isnull=True).count()
    assert model_definition_seed() == before
    assert ModelDefinition.objects.filter(project__isnull=True).count() == before
    gpt = ModelDefinition.objects.get(model_name="gpt-4o", project__isnull=True)
    assert gpt.pricing_tiers.count() == 2 and gpt.tokenizer_id == "openai"
    assert SEED_FILE.exists()


@pytest.mark.django_db
def test_create_get_list_delete(api_client, other_client, project):
    response = create(api_client, inputPrice=0.001, outputPrice=0.002, unit="TOKENS", tokenizerId="openai")
    assert response.status_code == 200, response.content
    model = response.json()
    assert model["modelName"] == "my-model" and model["isLangfuseManaged"] is False
    assert (model["inputPrice"], model["outputPrice"], model["totalPrice"]) == (0.001, 0.002, None)
    assert model["prices"] == {"input": {"price": 0.001}, "output": {"price": 0.002}}
    assert model["pricingTiers"][0]["name"] == "Standard" and model["pricingTiers"][0]["isDefault"]
    detail = f"{URL}/{model['id']}"
    assert api_client.get(detail).json() == model

    listed = api_client.get(URL, {"limit": 5}).json()
    assert listed["data"][0]["id"] == model["id"], "project definitions first"
    assert listed["meta"]["totalItems"] > 100 and listed["meta"]["limit"] == 5

    assert_not_found_for_other_project(other_client, "get", detail)
    assert_not_found_for_other_project(other_client, "delete", detail)
    assert_absent_from_other_project_list(other_client, URL, model["id"])

    assert api_client.delete(detail).status_code == 204
    assert api_client.get(detail).status_code == 404
    actions = AuditEvent.objects.filter(project=project, object_id=model["id"]).values_list("action", flat=True)
    assert sorted(actions) == ["model.created", "model.deleted"]


@pytest.mark.django_db
def test_builtin_models_are_readable_not_deletable(api_client, model_prices):
    builtin = ModelDefinition.objects.filter(project__isnull=True).first()
    assert api_client.get(f"{URL}/{builtin.id}").json()["isLangfuseManaged"] is True
    response = api_client.delete(f"{URL}/{builtin.id}")
    assert response.status_code == 400 and "built-in" in response.json()["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"modelName": ""}, "modelName"),
        ({"matchPattern": "(unclosed"}, "matchPattern"),
        ({}, "pricingTiers"),
        ({"inputPrice": "cheap"}, "inputPrice"),
        ({"totalPrice": 1, "inputPrice": 1}, "totalPrice"),
        ({"unit": "BANANAS", "inputPrice": 1}, "unit"),
        ({"startDate": "soon", "inputPrice": 1}, "startDate"),
        ({"pricingTiers": [{"name": "a", "isDefault": False, "priority": 1, "prices": {"input": 1}}]}, "isDefault"),
        (
            {"pricingTiers": [{"name": "a", "isDefault": True, "priority": 0, "prices": {}, "conditions": []}]},
            "prices",
        ),
        (
            {
                "pricingTiers": [
                    {"name": "a", "isDefault": True, "priority": 0, "prices": {"input": 1}, "conditions": []},
                    {
                        "name": "b",
                        "isDefault": False,
                        "priority": 1,
                        "prices": {"input": 2},
                        "conditions": [{"usageDetailPattern": "input", "operator": "between", "value": 1}],
                    },
                ]
            },
            "operator",
        ),
    ],
)
def test_invalid_definitions_name_the_field(api_client, body, field):
    response = create(api_client, **body)
    assert response.status_code == 400 and field in response.json()["message"], response.json()


@pytest.mark.django_db
def test_tiers_and_project_override_drive_cost(
    api_client,
    project,
    model_prices,
    django_capture_on_commit_callbacks,
):
    usage = {"input": 300_000, "output": 1000}
    table = price_table(project.pk)
    _, costs = calculate_cost(table=table, model_name="gemini-2.5-pro", usage=usage)
    assert costs["input"] == pytest.approx(300_000 * 2.5e-6), "large-context tier above 200k input tokens"
    _, costs = calculate_cost(table=table, model_name="gpt-4o", usage=usage, parameters={"service_tier": "priority"})
    assert costs["output"] == pytest.approx(1000 * 17e-6), "attribute condition on model parameters"

    with django_capture_on_commit_callbacks(execute=True):
        response = create(
            api_client,
            modelName="gpt-4o",
            matchPattern="(?i)^(openai/)?gpt-4o$",
            pricingTiers=[
                {"name": "Standard", "isDefault": True, "priority": 0, "conditions": [], "prices": {"input": 1.0}},
                {
                    "name": "Big",
                    "isDefault": False,
                    "priority": 1,
                    "conditions": [
                        {"usageDetailPattern": "^input", "operator": "gte", "value": 10, "caseSensitive": False}
                    ],
                    "prices": {"input": 2.0},
                },
            ],
        )
    assert response.status_code == 200, response.content
    table = price_table(project.pk)
    model_id, costs = calculate_cost(table=table, model_name="openai/GPT-4o", usage={"input": 5})
    assert model_id == response.json()["id"] and costs == {"input": 5.0, "total": 5.0}
    assert calculate_cost(table=table, model_name="gpt-4o", usage={"input": 10})[1]["input"] == 20.0
    assert calculate_cost(table=table, model_name="no-such-model", usage={"input": 10}) is None


def test_usage_normalisation():
    assert normalize_usage({"promptTokens": 3, "completionTokens": 4}, "usage", legacy=True) == {
        "input": 3,
        "output": 4,
        "total": 7,
    }
    assert normalize_usage(
        {
            "input_tokens": 10,
            "output_tokens": 6,
            "total_tokens": 16,
            "output_tokens_details": {"reasoning_tokens": 4},
        },
        "usageDetails",
    ) == {"input": 10, "output": 2, "total": 16, "output_reasoning_tokens": 4}
    with pytest.raises(DomainError, match="usageDetails must be an object"):
        normalize_usage("bad", "usageDetails")


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_models(api_client, project, model_prices):
    def model(index):
        long_inputs = {"usage_detail_pattern": "input", "operator": "gt", "value": 1000}
        model_definition_create(
            project=project,
            model_name=f"model-{index}",
            match_pattern=f"^model-{index}$",
            pricing_tiers=[
                {"name": "Standard", "is_default": True, "priority": 0, "prices": {"input": 1}},
                {"name": "long", "priority": 1, "conditions": [long_inputs], "prices": {"input": 2}},
            ],
        )

    assert assert_queries_constant(lambda: api_client.get(URL, {"limit": 100}), rows_of(model)) <= 4
    own = [row for row in api_client.get(URL, {"limit": 100}).json()["data"] if not row["isLangfuseManaged"]]
    assert len(own) == FEW_ROWS + MORE_ROWS and all(len(row["pricingTiers"]) == 2 for row in own)


@pytest.mark.django_db
def test_start_date_picks_the_price_in_force(api_client, project):
    for start, price in (("2025-01-01T00:00:00Z", 1.0), ("2026-01-01T00:00:00Z", 2.0)):
        response = create(api_client, modelName="dated", matchPattern="^dated$", startDate=start, inputPrice=price)
        assert response.status_code == 200, response.content
    table = price_table(project.pk)
    at = parse_datetime("2025-06-01T00:00:00Z")
    assert calculate_cost(table=table, model_name="dated", usage={"input": 1}, at=at)[1]["input"] == 1.0
    at = parse_datetime("2026-06-01T00:00:00Z")
    assert calculate_cost(table=table, model_name="dated", usage={"input": 1}, at=at)[1]["input"] == 2.0
    assert (
        calculate_cost(table=table, model_name="dated", usage={"input": 1}, at=parse_datetime("2024-01-01T00:00:00Z"))
        is None
    )


@pytest.mark.django_db
def test_seed_command(model_prices):
    out = io.StringIO()
    call_command("seed_model_prices", stdout=out)
    assert "Seeded 167 model definitions" in out.getvalue()


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"modelName": "m" * 256, "inputPrice": 1}, "modelName"),
        ({"modelName": "my\x00model", "inputPrice": 1}, "modelName"),
        ({"matchPattern": "m" * 1001, "inputPrice": 1}, "matchPattern"),
        ({"tokenizerId": "t" * 256, "inputPrice": 1}, "tokenizerId"),
        ({"inputPrice": 1e300}, "inputPrice"),
        ({"totalPrice": -0.5}, "totalPrice"),
        ({"startDate": "0000-01-01T00:00:00Z", "inputPrice": 1}, "startDate"),
        ({"startDate": "9999-12-31T23:59:59-05:00", "inputPrice": 1}, "startDate"),
        ({"tokenizerConfig": nested(150), "inputPrice": 1}, "tokenizerConfig"),
        (
            {"pricingTiers": [{"name": "a", "isDefault": True, "priority": 0, "prices": {"input": 1e300}}]},
            "pricingTiers.0.prices.input",
        ),
        (
            {"pricingTiers": [{"name": "a" * 256, "isDefault": True, "priority": 0, "prices": {"input": 1}}]},
            "pricingTiers.0.name",
        ),
        (
            {
                "pricingTiers": [
                    {"name": "a", "isDefault": True, "priority": 0, "prices": {"input": 1}},
                    {
                        "name": "b",
                        "priority": 1,
                        "prices": {"input": 2},
                        "conditions": [{"usageDetailPattern": "input", "operator": "gt", "value": -1}],
                    },
                ]
            },
            "pricingTiers.1.conditions.0.value",
        ),
        (
            {"pricingTiers": [{"name": "a", "isDefault": True, "priority": 2**40, "prices": {"input": 1}}]},
            "pricingTiers.0.priority",
        ),
    ],
)
def test_values_beyond_the_limits_are_refused_and_store_nothing(api_client, project, body, field):
    response = create(api_client, **body)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(field), response.json()
    assert not ModelDefinition.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(project=project, action="model.created").exists()
    assert api_client.get(URL).status_code == 200


@pytest.mark.django_db
def test_a_refused_huge_price_leaves_reads_and_ingestion_working(api_client, project, model_prices):
    assert create(api_client, matchPattern="(?i)^gpt-4o$", inputPrice=1e300).status_code == 400
    assert api_client.get(URL, {"limit": 100}).status_code == 200
    event = {
        "id": "e1",
        "type": "generation-create",
        "timestamp": "2026-01-01T00:00:00Z",
        "body": {"id": "g1", "traceId": "t1", "model": "gpt-4o", "usageDetails": {"input": 10}},
    }
    response = api_client.post("/api/public/ingestion", {"batch": [event]}, format="json")
    assert response.status_code == 207 and response.json()["successes"] == [{"id": "e1", "status": 201}]
    assert api_client.get("/api/public/observations/g1").json()["calculatedTotalCost"] > 0


@pytest.mark.django_db
def test_model_writes_are_audited_with_the_api_key(api_client, project, key_pair):
    model_id = create(api_client, inputPrice=1).json()["id"]
    assert api_client.delete(f"{URL}/{model_id}").status_code == 204
    events = AuditEvent.objects.filter(project=project, object_id=model_id)
    assert {event.action: event.actor_label for event in events} == {
        "model.created": f"API key {key_pair[0]}",
        "model.deleted": f"API key {key_pair[0]}",
    }
