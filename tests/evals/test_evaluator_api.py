"""The evaluators API through the test client: every field of the SDK's types, cursor pages, bad inputs,
other projects, error bodies and query counts (the SDK itself drives it in tests/e2e/test_evaluators_sdk.py)."""

import pytest
from langfuse.api.core.pydantic_utilities import parse_obj_as
from langfuse.api.evaluation_errors.types.public_api_error import PublicApiError
from langfuse.api.evaluators.types import Evaluator_LlmAsJudge, EvaluatorVersion_LlmAsJudge

from evals import selectors
from evals.models import Evaluator, EvaluatorVersion
from evals.services.evaluators import evaluator_set_archived, evaluator_version_create
from tests.evals.evaluator_factories import fake_connection, make_check, make_judge
from tests.query_counts import assert_queries_constant, rows_of

URL = "/api/public/v2/evaluators"
PROMPT = [
    {"role": "system", "content": "You grade answers."},
    {"role": "user", "content": "Q: {{input}}\nA: {{output}}"},
]


@pytest.fixture
def connection(project, fake_provider):
    return fake_connection(project, fake_provider)


def wire_names(model) -> set[str]:
    """The JSON names an SDK model reads (its FieldMetadata aliases)."""
    return {
        next((item.alias for item in field.metadata if getattr(item, "alias", None)), name)
        for name, field in model.model_fields.items()
    }


def body(connection, **fields):
    return {
        "type": "llm_as_judge",
        "name": "relevance",
        "prompt": PROMPT,
        "modelConfig": {"provider": connection.provider, "model": "judge-model"},
        "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
        **fields,
    }


@pytest.mark.django_db
def test_every_field_of_the_sdk_types_is_present(api_client, project, connection, member):
    evaluator = make_judge(project, connection, created_by=member, description=None)
    listed = api_client.get(URL).json()
    one = api_client.get(f"{URL}/{evaluator.id}").json()
    versions = api_client.get(f"{URL}/{evaluator.id}/versions").json()

    for wire, model in ((listed["data"][0], Evaluator_LlmAsJudge), (one, Evaluator_LlmAsJudge)):
        assert set(wire) == wire_names(model)
        parse_obj_as(model, wire)
    version = versions["data"][0]
    assert set(version) == wire_names(EvaluatorVersion_LlmAsJudge)
    parse_obj_as(EvaluatorVersion_LlmAsJudge, version)
    assert one["createdBy"] == {"id": str(member.pk), "name": member.get_username()}
    assert one["versionCreatedBy"] == one["createdBy"] and one["pausedAt"] is None
    assert one["outputDefinition"] == {
        "dataType": "NUMERIC",
        "minValue": 0,
        "maxValue": 1,
        "scoreReasoningInstructions": None,
        "scoreValueInstructions": None,
    }
    assert one["modelConfig"] == {"provider": connection.provider, "model": "judge-model"}
    assert listed["meta"] == {} and versions["meta"] == {}


@pytest.mark.django_db
def test_pages_follow_the_cursor(api_client, project, connection):
    made = [make_judge(project, connection, name=f"judge {index}").id for index in range(5)]
    seen, cursor = [], None
    while True:
        page = api_client.get(URL, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["data"]]
        cursor = page["meta"].get("cursor")
        if cursor is None:
            break
    assert seen == made[::-1]


@pytest.mark.django_db
def test_deterministic_archived_and_other_projects_evaluators_are_not_served(
    api_client, other_client, project, connection
):
    check = make_check(project)
    archived = make_judge(project, connection, name="old")
    evaluator_set_archived(evaluator=archived, archived=True)
    mine = make_judge(project, connection)

    assert [item["id"] for item in api_client.get(URL).json()["data"]] == [mine.id]
    for evaluator in (check, archived):
        response = api_client.get(f"{URL}/{evaluator.id}")
        assert response.status_code == 404 and response.json()["code"] == "resource_not_found"
    assert other_client.get(URL).json()["data"] == []
    for method in ("get", "patch", "delete"):
        response = getattr(other_client, method)(f"{URL}/{mine.id}", {"name": "x"}, format="json")
        assert response.status_code == 404, method
    assert other_client.get(f"{URL}/{mine.id}/versions").status_code == 404
    other = other_client.post(URL, body(connection), format="json")
    assert other.status_code == 400 and other.json()["details"]["issues"][0]["path"] == ["modelConfig", "provider"]
    Evaluator.objects.get(key=mine.key)


def output(**fields) -> dict:
    return {"outputDefinition": {"dataType": "NUMERIC", **fields}}


def mapping(**fields) -> dict:
    return {"variableMapping": [{"variable": "input", "source": "input", **fields}]}


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"type": "code"}, ["type"], "runs no user-supplied code"),
        ({"sourceCode": "print(1)"}, ["type"], "runs no user-supplied code"),
        ({"type": "deterministic"}, ["type"], "made in the admin"),
        ({"name": None}, ["name"], "may not be null"),
        ({"prompt": 5}, ["prompt"], "string or a list of chat messages"),
        ({"prompt": [{"role": "robot", "content": "{{x}}"}]}, ["prompt", "0", "role"], "system, user, assistant"),
        ({"prompt": "no variables"}, ["prompt"], "at least one {{variable}}"),
        ({"modelConfig": None}, ["modelConfig", "provider"], "must name one of the project's LLM connections"),
        ({"modelConfig": {"provider": "gone", "model": "m"}}, ["modelConfig", "provider"], "no LLM connection 'gone'"),
        ({"modelConfig": {"provider": "x"}}, ["modelConfig", "model"], "required"),
        (output(dataType="TEXT"), ["outputDefinition", "dataType"], "not a valid choice"),
        (output(minValue=3, maxValue=1), ["outputDefinition", "minValue"], "must not exceed"),
        (output(dataType="CATEGORICAL", categories=["a"]), ["outputDefinition", "categories"], "at least two"),
        (
            output(dataType="CATEGORICAL", categories=["a", "b"], shouldAllowMultipleMatches=True),
            ["outputDefinition", "shouldAllowMultipleMatches"],
            "one category",
        ),
        (mapping(variable="context"), ["variableMapping", "0", "variable"], "not a variable"),
        (mapping(source="span"), ["variableMapping", "0", "source"], "must be one of"),
        (mapping(source="metadata", jsonPath="x"), ["variableMapping", "0", "jsonPath"], "starting with $"),
    ],
)
@pytest.mark.django_db
def test_bad_bodies_are_400_naming_the_field(api_client, connection, changes, path, message):
    response = api_client.post(URL, body(connection, **changes), format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    parse_obj_as(PublicApiError, error)
    assert error["code"] == "invalid_body" and error["error"] == "InvalidRequestError"
    assert message in error["message"]
    assert [issue["path"] for issue in error["details"]["issues"]] == [path]
    assert not Evaluator.objects.exists()


@pytest.mark.django_db
def test_bad_updates_queries_and_names(api_client, project, connection):
    evaluator = make_judge(project, connection)
    make_judge(project, connection, name="taken")
    patch = lambda data: api_client.patch(f"{URL}/{evaluator.id}", data, format="json")  # noqa: E731

    empty = patch({})
    assert empty.status_code == 400 and "at least one of name, description" in empty.json()["message"]
    assert patch({"name": "taken"}).json()["code"] == "conflict"
    partial = patch({"prompt": "{{output}}"})
    assert partial.status_code == 400 and partial.json()["details"]["issues"][0]["path"] == ["outputDefinition"]
    assert patch({"type": "code", "sourceCode": "x"}).json()["details"]["issues"][0]["path"] == ["type"]
    assert patch({"description": None}).json()["description"] is None
    assert EvaluatorVersion.objects.filter(evaluator=evaluator).count() == 1
    assert api_client.post(URL, body(connection, name="taken"), format="json").status_code == 409

    for query, field in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "nope"}, "cursor")):
        response = api_client.get(URL, query)
        assert response.status_code == 400 and response.json()["code"] == "invalid_query", query
        assert response.json()["details"]["issues"][0]["path"] == [field]
    assert api_client.put(f"{URL}/{evaluator.id}", {}).json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_the_lists_make_constant_queries(api_client, project, connection):
    assert_queries_constant(
        lambda: api_client.get(URL, {"limit": 100}),
        rows_of(lambda index: make_judge(project, connection, name=f"judge {index}")),
    )
    evaluator = Evaluator.objects.first()

    assert_queries_constant(
        lambda: api_client.get(f"{URL}/{evaluator.id}/versions", {"limit": 100}),
        rows_of(
            lambda index: evaluator_version_create(
                evaluator=evaluator,
                prompt=f"{{{{output}}}} #{index}",
                model_provider=connection.provider,
                model="m",
                output_definition={"dataType": "BOOLEAN"},
            )
        ),
    )


@pytest.mark.django_db
def test_rule_assignments_come_from_the_registered_loaders(api_client, project, connection, monkeypatch):
    evaluator = make_judge(project, connection)
    override = [{"variable": "input", "source": "metadata", "jsonPath": "$.question"}]
    monkeypatch.setattr(selectors, "_rule_assignment_loaders", [])
    selectors.register_evaluator_rule_assignments(
        lambda evaluators: {
            e.key: [{"evaluationRuleId": "rule-1", "variableMappingOverride": override}] for e in evaluators
        }
    )

    listed = api_client.get(URL).json()["data"][0]
    one = api_client.get(f"{URL}/{evaluator.id}").json()

    assert listed["evaluationRuleAssignments"] == one["evaluationRuleAssignments"]
    [assignment] = parse_obj_as(Evaluator_LlmAsJudge, one).evaluation_rule_assignments
    assert (assignment.evaluation_rule_id, assignment.variable_mapping_override[0].json_path) == (
        "rule-1",
        "$.question",
    )
