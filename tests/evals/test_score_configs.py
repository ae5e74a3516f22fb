"""Score configs: the service's rules per data type, the /score-configs API (as the SDK calls it), isolation."""

import pytest

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from evals.models import ScoreConfig
from evals.services import score_config_set_archived, score_config_update
from tests.evals.factories import CONFIGS_URL, make_config
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db


def test_boolean_configs_get_true_and_false_categories(project):
    config = make_config(project, name="helpful", data_type="BOOLEAN")
    assert config.categories == [{"label": "True", "value": 1}, {"label": "False", "value": 0}]
    assert AuditEvent.objects.filter(action="score_config.created", object_id=config.id).exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": ""}, "name", "non-empty"),
        ({"name": "n" * 36}, "name", "at most 35"),
        ({"name": "bad/name"}, "name", "letters, numbers"),
        ({"data_type": "CORRECTION"}, "data_type", "one of"),
        ({"min_value": 5, "max_value": 5}, "max_value", "greater than minValue"),
        ({"min_value": 5, "max_value": 1}, "max_value", "greater than minValue"),
        ({"categories": [{"label": "a", "value": 1}]}, "categories", "only CATEGORICAL"),
        ({"data_type": "TEXT", "max_value": 3}, "max_value", "only NUMERIC"),
        ({"data_type": "BOOLEAN", "categories": [{"label": "yes", "value": 1}]}, "categories", "BOOLEAN"),
        ({"data_type": "CATEGORICAL"}, "categories", "non-empty list"),
        ({"data_type": "CATEGORICAL", "categories": []}, "categories", "non-empty list"),
        ({"data_type": "CATEGORICAL", "categories": [{"label": "a"}]}, "categories.0", "label and a value"),
        ({"data_type": "CATEGORICAL", "categories": [{"label": "", "value": 1}]}, "categories.0.label", "non-empty"),
        (
            {"data_type": "CATEGORICAL", "categories": [{"label": "a", "value": 1}, {"label": "a", "value": 2}]},
            "categories.1.label",
            "duplicate category label",
        ),
        (
            {"data_type": "CATEGORICAL", "categories": [{"label": "a", "value": 1}, {"label": "b", "value": 1}]},
            "categories.1.value",
            "duplicate category value",
        ),
    ],
)
def test_config_rules_raise_domain_error_naming_the_field(project, fields, field, words):
    with pytest.raises(DomainError) as raised:
        make_config(project, **fields)
    assert raised.value.field == field and words in raised.value.message
    assert not ScoreConfig.objects.exists()


def test_names_may_hold_unicode_letters_and_the_allowed_punctuation(project):
    assert make_config(project, name="Qualité (v2) - ok_1.0").name == "Qualité (v2) - ok_1.0"


def test_update_holds_the_merged_config_to_the_rules_and_archives(project):
    config = make_config(project, min_value=0, max_value=10)
    with pytest.raises(DomainError) as raised:
        score_config_update(config=make_config(project, name="other", min_value=0), max_value=-1)
    assert raised.value.field == "max_value"
    with pytest.raises(DomainError) as raised:
        score_config_update(config=config, data_type="TEXT")
    assert raised.value.field == "data_type"
    with pytest.raises(DomainError):
        score_config_update(config=config)
    score_config_set_archived(config=config, archived=True)
    assert ScoreConfig.objects.get(pk=config.pk).is_archived
    score_config_set_archived(config=config, archived=False)
    assert not ScoreConfig.objects.get(pk=config.pk).is_archived


CONFIG_FIELDS = {
    "id",
    "name",
    "createdAt",
    "updatedAt",
    "projectId",
    "dataType",
    "isArchived",
    "minValue",
    "maxValue",
    "categories",
    "description",
}


def test_api_create_get_list_and_patch(api_client, project):
    body = {"name": "tone", "dataType": "CATEGORICAL", "categories": [{"label": "calm", "value": 1}]}
    created = api_client.post(CONFIGS_URL, body, format="json")
    assert created.status_code == 200, created.content
    config = created.json()
    assert set(config) == CONFIG_FIELDS
    assert (config["projectId"], config["isArchived"], config["minValue"]) == (project.id, False, None)
    fetched = api_client.get(f"{CONFIGS_URL}/{config['id']}").json()
    assert fetched == config
    page = api_client.get(CONFIGS_URL).json()
    assert [row["id"] for row in page["data"]] == [config["id"]]
    assert page["meta"] == {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}
    patched = api_client.patch(f"{CONFIGS_URL}/{config['id']}", {"isArchived": True, "description": "d"}, format="json")
    assert patched.status_code == 200 and (patched.json()["isArchived"], patched.json()["description"]) == (True, "d")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x" * 36, "dataType": "NUMERIC"}, "name: must be at most 35"),
        ({"name": "a", "dataType": "FUZZY"}, "dataType"),
        ({"name": "a", "dataType": "BOOLEAN", "categories": [{"label": "y", "value": 1}]}, "categories:"),
        ({"name": "a", "dataType": "NUMERIC", "minValue": 2, "maxValue": 1}, "maxValue: must be greater"),
        ({"name": "a", "dataType": "CATEGORICAL"}, "categories:"),
        ({"dataType": "NUMERIC"}, "name"),
    ],
)
def test_api_refuses_bad_configs_naming_the_rule(api_client, body, message):
    response = api_client.post(CONFIGS_URL, body, format="json")
    assert response.status_code == 400 and message in response.json()["message"], response.json()


def test_api_patch_refuses_what_the_rules_refuse(api_client, project):
    config = make_config(project, data_type="BOOLEAN", name="ok")
    url = f"{CONFIGS_URL}/{config.id}"
    assert api_client.patch(url, {}, format="json").status_code == 400
    response = api_client.patch(url, {"minValue": 0}, format="json")
    assert response.status_code == 400 and "minValue: only NUMERIC" in response.json()["message"]


def test_configs_are_project_scoped(api_client, other_client, project, other_project):
    config = make_config(other_project)
    assert api_client.get(f"{CONFIGS_URL}/{config.id}").status_code == 404
    assert api_client.patch(f"{CONFIGS_URL}/{config.id}", {"isArchived": True}, format="json").status_code == 404
    assert api_client.get(CONFIGS_URL).json()["data"] == []
    assert other_client.get(f"{CONFIGS_URL}/{config.id}").status_code == 200


def test_config_list_queries_do_not_grow(api_client, project):
    assert_queries_constant(
        lambda: api_client.get(CONFIGS_URL), rows_of(lambda index: make_config(project, name=f"c{index}"))
    )
