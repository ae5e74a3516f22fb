"""The evaluation-rules API with the test client: bad inputs name their field, other projects see nothing,
jobs / calibration / backfill extensions, constant query counts on the lists."""

from datetime import timedelta

import pytest

from evals.live.jobs import evaluation_job_run
from evals.models import EvaluationJob, EvaluationRule
from tests.evals.live_factories import judge_answers, make_judge, make_rule
from tests.observability.factories import T0, make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

URL = "/api/public/v2/evaluation-rules"


@pytest.fixture
def judge(project, fake_provider):
    fake_provider.responder = judge_answers(1)
    return make_judge(project, fake_provider)


def body(**fields):
    return {"name": "r", "enabled": False, "evaluatorAssignments": [], **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "name: This field may not be blank."),
        ({"enabled": "maybe"}, "enabled: Must be a valid boolean."),
        ({"sampling": 1.5}, "sampling: Ensure this value is less than or equal to 1."),
        ({"sampling": None}, "sampling: This field may not be null."),
        ({"target": "session"}, 'target: "session" is not a valid choice.'),
        ({"settleDelaySeconds": -1}, "settleDelaySeconds: Ensure this value is greater than or equal to 0."),
        ({"dailyBudget": "lots"}, "dailyBudget: A valid number is required."),
        ({"dailyBudget": 0}, "dailyBudget: must be a positive amount below 10^10 USD"),
        ({"filter": {"a": 1}}, 'filter: Expected a list of items but got type "dict".'),
        ({"filter": [{"type": "string", "column": "nope", "operator": "=", "value": "x"}]}, "filter[0].column"),
        ({"filter": [{"type": "string", "column": "name", "operator": "≈", "value": "x"}]}, "filter[0].operator"),
        ({"enabled": True}, "evaluatorAssignments: an enabled rule needs at least one evaluator"),
        ({"evaluatorAssignments": [{"evaluatorId": "missing"}]}, "evaluatorAssignments.0.evaluatorId: no evaluator"),
        ({"evaluatorAssignments": [{}]}, "evaluatorAssignments.0.evaluatorId: This field is required."),
    ],
)
def test_bad_create_bodies_are_400_naming_the_field(api_client, fields, message):
    response = api_client.post(URL, body(**fields), format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]
    assert response.json()["code"] == "invalid_body"


def test_bad_mappings_name_the_item(api_client, judge):
    def assignment(**mapping):
        return [
            {"evaluatorId": judge.evaluator.id, "variableMapping": [{"variable": "q", "source": "input"} | mapping]}
        ]

    response = api_client.post(URL, body(evaluatorAssignments=assignment(source="body")), format="json")
    assert "evaluatorAssignments.0.variableMapping.0.source" in response.json()["message"]
    response = api_client.post(URL, body(evaluatorAssignments=assignment(jsonPath="$..deep")), format="json")
    assert response.status_code == 400
    assert "evaluatorAssignments.0.variableMapping.0.jsonPath: is not a JSON path" in response.json()["message"]
    issue = response.json()["details"]["issues"][0]
    assert issue["path"] == ["evaluatorAssignments", "0", "variableMapping", "0", "jsonPath"]


def test_create_with_this_servers_fields_and_read_back(api_client, judge):
    response = api_client.post(
        URL,
        body(
            enabled=True,
            target="trace",
            settleDelaySeconds=60,
            dailyBudget=2.5,
            evaluatorAssignments=[{"evaluatorId": judge.evaluator.id}],
        ),
        format="json",
    )
    assert response.status_code == 200, response.content
    rule = response.json()
    assert (rule["target"], rule["settleDelaySeconds"], rule["dailyBudget"], rule["pausedReason"]) == (
        "trace",
        60,
        2.5,
        None,
    )
    assert rule["evaluatorAssignments"] == [{"evaluatorId": judge.evaluator.id, "variableMapping": None}]


def test_update_needs_a_field_and_cannot_enable_an_empty_rule(api_client, project, judge):
    rule = make_rule(project, judge, enabled=False, evaluator_assignments=[])
    empty = api_client.patch(f"{URL}/{rule.id}", {}, format="json")
    assert empty.status_code == 400 and "at least one field" in empty.json()["message"]
    enable = api_client.patch(f"{URL}/{rule.id}", {"enabled": True}, format="json")
    assert enable.status_code == 400 and enable.json()["message"].startswith("enabled: an enabled rule needs")


def test_other_projects_see_and_change_nothing(other_client, project, judge):
    rule = make_rule(project, judge)
    assert other_client.get(URL).json()["data"] == []
    for method in ("get", "patch", "delete"):
        response = getattr(other_client, method)(f"{URL}/{rule.id}", {"name": "x"}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "resource_not_found"
    for suffix in ("jobs", "calibration"):
        assert other_client.get(f"{URL}/{rule.id}/{suffix}").status_code == 404
    assert other_client.post(f"{URL}/{rule.id}/backfill", {}, format="json").status_code == 404
    assert EvaluationRule.objects.get(pk=rule.pk).name == "live"


def test_a_bad_cursor_is_400(api_client):
    response = api_client.get(URL, {"cursor": "%%%"})
    assert response.status_code == 400 and response.json()["message"].startswith("cursor:")


def test_backfill_jobs_and_calibration_through_the_api(api_client, project, judge):
    rule = make_rule(project, judge)
    make_trace(project, "t1", at=T0)
    make_trace(project, "t2", at=T0 + timedelta(days=5))
    window = {"start": "2025-01-15T00:00:00Z", "end": "2025-01-16T00:00:00Z"}

    response = api_client.post(f"{URL}/{rule.id}/backfill", window, format="json")
    assert response.json() == {"scheduled": 1}
    bad = api_client.post(f"{URL}/{rule.id}/backfill", {**window, "end": "2025-01-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400 and bad.json()["message"].startswith("end:")

    [job] = EvaluationJob.objects.all()
    evaluation_job_run(job_id=job.pk)
    jobs = api_client.get(f"{URL}/{rule.id}/jobs", {"status": "succeeded"}).json()
    assert [(j["traceId"], j["status"], j["attempts"]) for j in jobs["data"]] == [("t1", "succeeded", 1)]
    assert api_client.get(f"{URL}/{rule.id}/jobs", {"status": "bogus"}).status_code == 400
    calibration = api_client.get(f"{URL}/{rule.id}/calibration").json()["data"]
    assert [(c["scoreName"], c["count"]) for c in calibration] == [("correctness", 0)]


def test_list_and_jobs_query_counts_do_not_grow(api_client, project, judge):
    assert_queries_constant(lambda: api_client.get(URL), rows_of(lambda index: make_rule(project, judge)))
    rule = make_rule(project, judge)

    def job(index):
        EvaluationJob.objects.create(
            project=project, rule=rule, evaluator_version=judge, trace_id=f"t{index}", due_at=T0
        )

    assert_queries_constant(lambda: api_client.get(f"{URL}/{rule.id}/jobs"), rows_of(job))
