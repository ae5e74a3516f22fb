"""Direct tests of the price-table services and selectors: Python-named arguments, DomainError, commit hooks."""

from datetime import UTC, datetime

import pytest

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from observability import selectors
from observability.ingestion.costs import calculate_cost, price_table
from observability.models import ModelDefinition, PricingTier, Trace
from observability.services import model_definition_create, model_definition_delete, trace_delete_many

pytestmark = pytest.mark.django_db


def test_create_with_tiers_and_python_names(project):
    model = model_definition_create(
        project=project,
        model_name="  tiered  ",
        match_pattern="^tiered$",
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        pricing_tiers=[
            {"name": "Standard", "is_default": True, "priority": 0, "prices": {"input": 1}},
            {
                "name": "Big",
                "priority": 1,
                "prices": {"input": 2},
                "conditions": [{"usage_detail_pattern": "^input", "operator": "gte", "value": 10}],
            },
        ],
    )
    assert model.model_name == "tiered" and model.unit == "TOKENS"
    big = PricingTier.objects.get(model=model, name="Big")
    assert big.conditions == [
        {"usageDetailPattern": "^input", "operator": "gte", "value": 10.0, "caseSensitive": False}
    ]
    assert AuditEvent.objects.filter(action="model.created", object_id=model.id).exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"match_pattern": "(unclosed"}, "match_pattern"),
        ({"input_price": 1, "pricing_tiers": []}, "pricing_tiers"),
        ({"pricing_tiers": []}, "pricing_tiers"),
        ({"total_price": 1, "output_price": 1}, "total_price"),
        ({"input_price": 10**12}, "input_price"),
        ({"input_price": 1, "unit": "BANANAS"}, "unit"),
        ({"input_price": 1, "start_date": datetime(1900, 1, 1, tzinfo=UTC)}, "start_date"),
        (
            {
                "pricing_tiers": [
                    {"name": "a", "is_default": True, "priority": 0, "prices": {"input": 1}},
                    {"name": "a", "priority": 1, "prices": {"input": 1}},
                ]
            },
            "pricing_tiers",
        ),
        (
            {
                "pricing_tiers": [
                    {"name": "a", "is_default": True, "priority": 0, "prices": {"input": 1}},
                    {
                        "name": "b",
                        "priority": 1,
                        "prices": {"input": 1},
                        "conditions": [{"usage_detail_pattern": "(", "operator": "gt", "value": 1}],
                    },
                ]
            },
            "pricing_tiers.1.conditions.0.usage_detail_pattern",
        ),
    ],
)
def test_broken_rules_raise_domain_error_naming_the_field(project, arguments, field):
    with pytest.raises(DomainError) as raised:
        model_definition_create(project=project, **{"model_name": "m", "match_pattern": "^m$", **arguments})
    assert raised.value.field == field
    assert not ModelDefinition.objects.filter(project=project).exists()


def test_price_table_reloads_once_the_write_commits(project, django_capture_on_commit_callbacks):
    assert calculate_cost(table=price_table(project.pk), model_name="fresh", usage={"input": 1}) is None
    with django_capture_on_commit_callbacks(execute=True):
        model = model_definition_create(project=project, model_name="fresh", match_pattern="^fresh$", input_price=3)
    assert calculate_cost(table=price_table(project.pk), model_name="fresh", usage={"input": 1})[1]["input"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        model_definition_delete(model=model)
    assert calculate_cost(table=price_table(project.pk), model_name="fresh", usage={"input": 1}) is None


def test_built_in_definitions_cannot_be_deleted(project):
    builtin = ModelDefinition.objects.create(project=None, model_name="builtin", match_pattern="^builtin$")
    with pytest.raises(DomainError, match="built-in"):
        model_definition_delete(model=builtin)
    assert ModelDefinition.objects.filter(pk=builtin.pk).exists()


def test_model_definition_selectors_are_project_scoped(project, other_project):
    mine = model_definition_create(project=project, model_name="mine", match_pattern="^mine$", input_price=1)
    theirs = model_definition_create(project=other_project, model_name="theirs", match_pattern="^t$", input_price=1)
    listed = list(selectors.model_definition_list(project=project).values_list("id", flat=True))
    assert listed[0] == mine.id and theirs.id not in listed
    assert selectors.model_definition_get(project=project, model_id=theirs.id) is None
    assert selectors.model_definition_get(project=project, model_id=mine.id) == mine


def test_traces_delete_returns_what_existed_in_the_project(project, other_project):
    for owner in (project, other_project):
        Trace.objects.create(project=owner, id="t1", timestamp=datetime(2025, 1, 1, tzinfo=UTC))
    assert trace_delete_many(project=project, trace_ids=["t1", "t1", "missing"]) == ["t1"]
    assert trace_delete_many(project=project, trace_ids=["t1"]) == []
    assert Trace.objects.filter(project=other_project, id="t1").exists()
