"""The installed langfuse SDK's (5.x) evaluation_rules client against a live server, every operation."""

import pytest
from langfuse import Langfuse
from langfuse.api.core.api_error import ApiError
from langfuse.api.evaluation_rules import EvaluationRuleEvaluatorAssignmentInput

from evals.models import Evaluator, EvaluatorType, EvaluatorVersion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def langfuse(live_server, key_pair):
    client = Langfuse(public_key=key_pair[0], secret_key=key_pair[1], base_url=live_server.url, tracing_enabled=False)
    yield client
    client.shutdown()


@pytest.fixture
def evaluator(project):
    evaluator = Evaluator.objects.create(project=project, id="ev-1", name="relevance", type=EvaluatorType.LLM_AS_JUDGE)
    EvaluatorVersion.objects.create(
        project=project, id="ev-1-v1", evaluator=evaluator, version=1, prompt=[], output_definition={}
    )
    return evaluator


def test_sdk_creates_lists_reads_updates_and_deletes_rules(langfuse, evaluator):
    rules = langfuse.api.evaluation_rules
    mapping = [{"variable": "answer", "source": "output", "jsonPath": "$.text"}]
    created = rules.create(
        name="final answers",
        enabled=True,
        sampling=0.25,
        filter=[{"type": "stringOptions", "column": "type", "operator": "any of", "value": ["GENERATION"]}],
        evaluator_assignments=[EvaluationRuleEvaluatorAssignmentInput(evaluator_id="ev-1", variable_mapping=mapping)],
    )
    assert (created.name, created.enabled, created.sampling) == ("final answers", True, 0.25)
    assert created.filter[0].column == "type" and created.filter[0].value == ["GENERATION"]
    [assignment] = created.evaluator_assignments
    assert assignment.evaluator_id == "ev-1" and assignment.variable_mapping[0].json_path == "$.text"
    assert created.created_by is None

    second = rules.create(name="drafts", enabled=False, evaluator_assignments=[])
    assert (second.sampling, second.filter, second.evaluator_assignments) == (1.0, [], [])
    page = rules.list(limit=1)
    assert [rule.id for rule in page.data] == [second.id] and page.meta.cursor
    assert [rule.id for rule in rules.list(limit=1, cursor=page.meta.cursor).data] == [created.id]
    assert rules.get(created.id).updated_at == created.updated_at

    updated = rules.update(created.id, sampling=1.0, name="all answers")
    assert (updated.name, updated.sampling, updated.enabled) == ("all answers", 1.0, True)
    emptied = rules.update(created.id, evaluator_assignments=[])
    assert (emptied.enabled, emptied.evaluator_assignments) == (False, [])

    assert rules.delete(second.id).id == second.id
    with pytest.raises(ApiError) as missing:
        rules.get(second.id)
    assert missing.value.status_code == 404


def test_sdk_errors_name_the_field(langfuse, evaluator):
    rules = langfuse.api.evaluation_rules
    with pytest.raises(ApiError) as enabled_without_evaluators:
        rules.create(name="x", enabled=True, evaluator_assignments=[])
    assert enabled_without_evaluators.value.status_code == 400
    assert "evaluatorAssignments" in str(enabled_without_evaluators.value.body)
    with pytest.raises(ApiError) as unknown:
        rules.create(
            name="x", enabled=True, evaluator_assignments=[EvaluationRuleEvaluatorAssignmentInput(evaluator_id="nope")]
        )
    assert "evaluatorAssignments.0.evaluatorId: no evaluator 'nope' in this project" in str(unknown.value.body)
