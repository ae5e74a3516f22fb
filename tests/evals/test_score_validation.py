"""A score against its config (each config type) and against its data type (each type), on every write path."""

import pytest

from evals.models import Score
from evals.services import score_config_set_archived
from tests.evals.factories import SCORES_URL, make_config, score_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def configs(project):
    return {
        "numeric": make_config(project, name="quality", min_value=0, max_value=10),
        "boolean": make_config(project, name="helpful", data_type="BOOLEAN"),
        "categorical": make_config(
            project,
            name="tone",
            data_type="CATEGORICAL",
            categories=[{"label": "calm", "value": 1}, {"label": "angry", "value": -1}],
        ),
        "text": make_config(project, name="notes", data_type="TEXT"),
        "archived": score_config_set_archived(config=make_config(project, name="old"), archived=True),
    }


def post(api_client, **fields):
    return api_client.post(SCORES_URL, score_body(**fields), format="json")


def test_a_score_naming_a_config_takes_its_name_type_and_category_value(api_client, project, configs):
    assert post(api_client, id="n", configId=configs["numeric"].id, name="anything", value=7).status_code == 200
    assert post(api_client, id="b", configId=configs["boolean"].id, value=1).status_code == 200
    assert post(api_client, id="c", configId=configs["categorical"].id, value="angry").status_code == 200
    assert post(api_client, id="t", configId=configs["text"].id, value="fine").status_code == 200
    stored = {s.id: s for s in Score.objects.filter(project=project)}
    assert (stored["n"].name, stored["n"].data_type, stored["n"].value) == ("quality", "NUMERIC", 7.0)
    assert (stored["b"].data_type, stored["b"].string_value) == ("BOOLEAN", "True")
    assert (stored["c"].data_type, stored["c"].string_value, stored["c"].value) == ("CATEGORICAL", "angry", -1.0)
    assert (stored["t"].data_type, stored["t"].string_value, stored["t"].name) == ("TEXT", "fine", "notes")


CONFIG_BREAKS = [
    ("numeric", {"value": 11}, "value: 11 exceeds the maximum 10"),
    ("numeric", {"value": -1}, "value: -1 is below the minimum 0"),
    ("numeric", {"value": "high"}, "value: must be a number"),
    ("numeric", {"value": 1, "dataType": "CATEGORICAL"}, "dataType: config 'quality' is NUMERIC"),
    ("boolean", {"value": 2}, "value: must be 0 or 1"),
    ("boolean", {"value": "True"}, "value: must be a number"),
    ("categorical", {"value": "happy"}, "value: 'happy' is not a category of config 'tone'"),
    ("categorical", {"value": 1}, "value: must be a string"),
    ("text", {"value": ""}, "value: TEXT scores hold 1 to 500"),
    ("text", {"value": "x" * 501}, "value: TEXT scores hold 1 to 500"),
    ("archived", {"value": 1}, "configId: config 'old' is archived"),
]


@pytest.mark.parametrize(("config", "fields", "message"), CONFIG_BREAKS)
def test_a_score_breaking_its_config_is_400_naming_the_rule(api_client, project, configs, config, fields, message):
    response = post(api_client, configId=configs[config].id, **fields)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(message), response.json()
    assert not Score.objects.filter(project=project).exists()


def test_an_unknown_or_foreign_config_is_refused(api_client, other_project):
    foreign = make_config(other_project)
    for config_id in ("nope", foreign.id):
        response = post(api_client, configId=config_id)
        assert response.status_code == 400
        assert (
            "configId:" in response.json()["message"] and "does not match a score config" in response.json()["message"]
        )


def test_the_batch_and_ingestion_paths_apply_the_config_rules_too(api_client, project, configs):
    batch = [
        score_body(id="ok", configId=configs["numeric"].id, value=3),
        score_body(id="bad", configId=configs["numeric"].id, value=30),
    ]
    response = api_client.post(SCORES_URL, batch, format="json")
    assert response.status_code == 207
    assert response.json()["errors"][0]["message"].startswith("scores.1: value: 30 exceeds the maximum 10")
    event = {
        "id": "e",
        "type": "score-create",
        "timestamp": "2026-01-01T00:00:00Z",
        "body": score_body(id="ev", configId=configs["categorical"].id, value="nope"),
    }
    body = api_client.post("/api/public/ingestion", {"batch": [event]}, format="json").json()
    assert body["errors"][0]["id"] == "e" and "not a category" in body["errors"][0]["message"]
    assert list(Score.objects.filter(project=project).values_list("id", flat=True)) == ["ok"]


DATA_TYPE_CASES = [
    ({"dataType": "NUMERIC", "value": 0.25}, 200, ""),
    ({"dataType": "NUMERIC", "value": "x"}, 400, "value: must be a number for NUMERIC"),
    ({"dataType": "BOOLEAN", "value": 0}, 200, ""),
    ({"dataType": "BOOLEAN", "value": 0.5}, 400, "value: must be 0 or 1"),
    ({"dataType": "CATEGORICAL", "value": "calm"}, 200, ""),
    ({"dataType": "CATEGORICAL", "value": 3}, 400, "value: must be a string for CATEGORICAL"),
    ({"dataType": "TEXT", "value": "t" * 500}, 200, ""),
    ({"dataType": "TEXT", "value": "t" * 501}, 400, "value: TEXT scores hold 1 to 500 characters, got 501"),
    ({"dataType": "TEXT", "value": ""}, 400, "value: TEXT scores hold 1 to 500 characters, got 0"),
    ({"dataType": "CORRECTION", "value": "the right answer"}, 200, ""),
    ({"dataType": "CORRECTION", "value": 1}, 400, "value: must be a string for CORRECTION"),
    ({"dataType": "CORRECTION", "value": "x", "traceId": None, "sessionId": "s"}, 400, "sessionId: CORRECTION"),
    ({"source": "ANNOTATION"}, 400, "configId: is required when source is ANNOTATION"),
    ({"source": "ANNOTATION", "dataType": "CORRECTION", "value": "fixed"}, 200, ""),
    ({"source": "EVAL"}, 400, "source: must be one of"),
    ({"sessionId": "s"}, 400, "sessionId: give exactly one of traceId"),
    ({"traceId": None, "sessionId": "s", "datasetRunId": "r"}, 400, "datasetRunId: give exactly one"),
    ({"traceId": None, "datasetRunId": "r"}, 200, ""),
]


@pytest.mark.parametrize(("fields", "status", "message"), DATA_TYPE_CASES)
def test_each_data_type_and_source_rule(api_client, project, fields, status, message):
    response = post(api_client, **fields)
    assert response.status_code == status, response.content
    if message:
        assert response.json()["message"].startswith(message), response.json()


def test_correction_scores_are_named_output(api_client, project):
    assert post(api_client, name="fix", dataType="CORRECTION", value="better").status_code == 200
    score = Score.objects.get(project=project)
    assert (score.name, score.string_value) == ("output", "better")


def test_eval_source_is_refused_on_batch_ingestion_too(api_client, project):
    event = {"id": "e", "type": "score-create", "timestamp": "2026-01-01T00:00:00Z", "body": score_body(source="EVAL")}
    body = api_client.post("/api/public/ingestion", {"batch": [event]}, format="json").json()
    assert body["errors"][0]["id"] == "e" and "source" in body["errors"][0]["message"]
    assert not Score.objects.exists()


def test_re_sending_an_id_updates_the_score(api_client, project, configs):
    assert post(api_client, id="same", value=1, comment="first").status_code == 200
    first = Score.objects.get(project=project, id="same")
    batch = [score_body(id="same", configId=configs["categorical"].id, value="calm", comment="second")]
    assert api_client.post(SCORES_URL, batch, format="json").status_code == 202
    again = Score.objects.get(project=project, id="same")
    assert (again.data_type, again.string_value, again.comment, again.name) == ("CATEGORICAL", "calm", "second", "tone")
    assert again.created_at == first.created_at and again.updated_at > first.updated_at
    assert Score.objects.filter(project=project).count() == 1
