"""Deterministic evaluators: each kind decides from the variables alone, its config checked before it is stored."""

import pytest

from aistrale.errors import DomainError
from evals.evaluators.deterministic import check_config_validate
from evals.evaluators.runner import evaluator_run
from evals.models import EvaluatorVersion
from tests.evals.evaluator_factories import make_check

pytestmark = pytest.mark.django_db

ORDER_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "items": {"type": "array", "items": {"type": "string"}}},
    "required": ["id"],
}


def run(project, config, **variables):
    evaluator = make_check(project, check_config=config)
    version = EvaluatorVersion.objects.get(evaluator=evaluator)
    return evaluator_run(version=version, variables=variables)


@pytest.mark.parametrize(
    ("config", "variables", "value", "comment"),
    [
        ({"kind": "exact_match"}, {"output": " Paris ", "expected_output": "Paris"}, 1.0, "equals"),
        ({"kind": "exact_match"}, {"output": "paris", "expected_output": "Paris"}, 0.0, "differs"),
        ({"kind": "exact_match", "case_sensitive": False}, {"output": "paris", "expected_output": "PARIS"}, 1.0, ""),
        ({"kind": "exact_match", "strip": False}, {"output": "4 ", "expected_output": "4"}, 0.0, ""),
        ({"kind": "exact_match"}, {"output": {"a": 1}, "expected_output": {"a": 1}}, 1.0, ""),
        ({"kind": "contains", "value": "refund"}, {"output": "We issued a refund."}, 1.0, "contains 'refund'"),
        ({"kind": "contains", "value": "Refund"}, {"output": "a refund"}, 0.0, "does not contain"),
        ({"kind": "contains", "case_sensitive": False}, {"output": "A REFUND", "expected_output": "refund"}, 1.0, ""),
        ({"kind": "regex", "pattern": r"\bORD-\d{4}\b"}, {"output": "order ORD-1234 shipped"}, 1.0, "matches"),
        ({"kind": "regex", "pattern": r"\d+", "full_match": True}, {"output": "12a"}, 0.0, "does not match"),
        ({"kind": "regex", "pattern": "yes", "ignore_case": True}, {"output": "YES"}, 1.0, ""),
        ({"kind": "json_valid"}, {"output": '{"a": [1, 2]}'}, 1.0, "valid JSON"),
        ({"kind": "json_valid"}, {"output": '{"a": '}, 0.0, "not valid JSON"),
        ({"kind": "json_valid", "schema": ORDER_SCHEMA}, {"output": '{"id": 7, "items": ["x"]}'}, 1.0, "conforms"),
        ({"kind": "json_valid", "schema": ORDER_SCHEMA}, {"output": {"id": 7, "items": [3]}}, 0.0, "at items/0"),
        ({"kind": "json_valid", "schema": ORDER_SCHEMA}, {"output": "{}"}, 0.0, "(root): 'id' is a required"),
        ({"kind": "numeric_tolerance", "tolerance": 0.01}, {"output": "3.14", "expected_output": 3.1416}, 1.0, ""),
        ({"kind": "numeric_tolerance", "tolerance": 0.001}, {"output": 3.14, "expected_output": 3.1416}, 0.0, ""),
        (
            {"kind": "numeric_tolerance", "tolerance": 0.1, "relative": True},
            {"output": 95, "expected_output": 100},
            1.0,
            "",
        ),
        ({"kind": "latency_threshold", "max_seconds": 2}, {"latency": 1.5}, 1.0, "latency 1.5s ≤ 2s"),
        ({"kind": "latency_threshold", "max_seconds": 2}, {"latency": 2.5}, 0.0, "latency 2.5s > 2s"),
        ({"kind": "cost_threshold", "max_cost": 0.01}, {"cost": "0.002"}, 1.0, "cost 0.002 USD ≤ 0.01 USD"),
        ({"kind": "cost_threshold", "max_cost": 0.01}, {"cost": 0.05}, 0.0, ""),
    ],
)
def test_boolean_checks(project, config, variables, value, comment):
    verdict = run(project, config, **variables)
    assert (verdict.data_type, verdict.value, verdict.string_value) == ("BOOLEAN", value, str(bool(value)))
    assert comment in verdict.comment
    assert verdict.score_name == "exact" and verdict.judge_trace_id is None


def test_levenshtein_is_a_similarity_or_with_a_threshold_a_boolean(project):
    # kitten -> sitting: 3 edits over the longer length 7, similarity 1 - 3/7
    verdict = run(project, {"kind": "levenshtein"}, output="kitten", expected_output="sitting")
    assert verdict.data_type == "NUMERIC" and verdict.value == pytest.approx(1 - 3 / 7)
    version = EvaluatorVersion.objects.get(evaluator__name="exact")
    assert version.output_definition == {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}
    version.check_config = {"kind": "levenshtein", "threshold": 0.5}
    passed = evaluator_run(version=version, variables={"output": "kitten", "expected_output": "sitting"})
    assert (passed.data_type, passed.value, passed.string_value) == ("BOOLEAN", 1.0, "True")


@pytest.mark.parametrize(
    ("config", "variables", "field", "message"),
    [
        ({"kind": "exact_match"}, {"output": "a"}, "variables.expected_output", "needs the 'expected_output'"),
        ({"kind": "latency_threshold", "max_seconds": 1}, {}, "variables.latency", "needs the 'latency'"),
        (
            {"kind": "numeric_tolerance", "tolerance": 1},
            {"output": "n/a", "expected_output": 1},
            "variables.output",
            "not a number",
        ),
        ({"kind": "cost_threshold", "max_cost": 1}, {"cost": True}, "variables.cost", "not a number"),
    ],
)
def test_missing_or_unusable_variables_are_named(project, config, variables, field, message):
    with pytest.raises(DomainError) as error:
        run(project, config, **variables)
    assert error.value.field == field and message in error.value.message


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        (None, "check_config", "must be an object with a kind"),
        ({"kind": "python"}, "check_config.kind", "must be one of exact_match, contains, regex"),
        ({"kind": "exact_match", "case_sensitive": "no"}, "check_config.case_sensitive", "true or false"),
        ({"kind": "exact_match", "code": "1"}, "check_config", "unknown options ['code']"),
        ({"kind": "contains", "value": ""}, "check_config.value", "non-empty string"),
        ({"kind": "regex"}, "check_config.pattern", "non-empty string"),
        ({"kind": "regex", "pattern": "(unclosed"}, "check_config.pattern", "not a valid regular expression"),
        ({"kind": "regex", "pattern": "a" * 1001}, "check_config.pattern", "at most 1000"),
        ({"kind": "json_valid", "schema": {"type": "nope"}}, "check_config.schema", "not a valid JSON Schema"),
        ({"kind": "json_valid", "schema": []}, "check_config.schema", "JSON Schema object"),
        ({"kind": "levenshtein", "threshold": 1.5}, "check_config.threshold", "within [0, 1]"),
        ({"kind": "numeric_tolerance"}, "check_config.tolerance", "finite number"),
        ({"kind": "numeric_tolerance", "tolerance": -1}, "check_config.tolerance", "at least 0, got -1"),
        ({"kind": "latency_threshold", "max_seconds": float("inf")}, "check_config.max_seconds", "finite"),
        ({"kind": "cost_threshold", "max_cost": "1"}, "check_config.max_cost", "finite number"),
    ],
)
def test_bad_configs_are_refused_naming_the_option(config, field, message):
    with pytest.raises(DomainError) as error:
        check_config_validate(config)
    assert error.value.field == field and message in error.value.message


def test_defaults_are_filled_in(project):
    assert check_config_validate({"kind": "contains", "value": "x"}) == {
        "kind": "contains",
        "case_sensitive": True,
        "strip": True,
        "value": "x",
    }
    evaluator = make_check(project, check_config={"kind": "contains"})
    version = EvaluatorVersion.objects.get(evaluator=evaluator)
    assert version.variables == ["output", "expected_output"]
    assert version.output_definition == {"dataType": "BOOLEAN"}
