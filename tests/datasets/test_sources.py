"""Items from production traces and observations: the field mapping, corrections, idempotence, the API option."""

import pytest

from aistrale.errors import DomainError
from datasets.models import DatasetItem
from datasets.services import items_from_sources
from tests.datasets.factories import ITEMS_URL, make_dataset
from tests.evals.factories import make_score
from tests.observability.factories import make_observation, make_trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(project):
    make_trace(project, "t1", input={"q": "capital of France?"}, output="Lyon", metadata={"user": "u1"})
    make_observation(project, "o1", "t1", input={"prompt": "p"}, output="Lyon")
    make_score(project, trace_id="t1", observation_id="o1", value="Paris", data_type="CORRECTION")
    make_trace(project, "t2", input={"q": "2+2"}, output="4")


def test_traces_become_items_with_their_input_and_output(project, production):
    dataset = make_dataset(project)
    items = items_from_sources(dataset=dataset, sources=[("t1", None), ("t2", None)])
    assert [(item.input, item.expected_output, item.source_trace_id) for item in items] == [
        ({"q": "capital of France?"}, "Lyon", "t1"),
        ({"q": "2+2"}, "4", "t2"),
    ]
    again = items_from_sources(dataset=dataset, sources=[("t1", None)], input_from="metadata")
    assert again[0].id == items[0].id and again[0].input == {"user": "u1"}
    assert DatasetItem.objects.count() == 2


def test_a_correction_becomes_the_expected_output(project, production):
    [item] = items_from_sources(
        dataset=make_dataset(project), sources=[(None, "o1")], expected_output_from="correction"
    )
    assert (item.input, item.expected_output, item.source_trace_id, item.source_observation_id) == (
        {"prompt": "p"},
        "Paris",
        "t1",
        "o1",
    )


@pytest.mark.parametrize(
    ("sources", "mapping", "field"),
    [
        ([("missing", None)], {}, "source_trace_id"),
        ([(None, "missing")], {}, "source_observation_id"),
        ([("t2", "o1")], {}, "source_observation_id"),
        ([("t2", None)], {"expected_output_from": "correction"}, "expected_output_from"),
        ([("t1", None)], {"input_from": "trace"}, "input_from"),
        ([(None, None)], {}, "source_trace_id"),
    ],
)
def test_bad_sources_and_mappings_are_refused(project, production, sources, mapping, field):
    with pytest.raises(DomainError) as error:
        items_from_sources(dataset=make_dataset(project), sources=sources, **mapping)
    assert error.value.field == field


def test_all_or_nothing_when_one_source_breaks_the_schema(project, production):
    dataset = make_dataset(project, input_schema={"type": "object", "required": ["q"]})
    with pytest.raises(DomainError) as error:
        items_from_sources(dataset=dataset, sources=[("t1", None), (None, "o1")])
    assert error.value.field == "input"
    assert not DatasetItem.objects.exists()


def test_the_api_takes_a_mapping_from_the_source(api_client, project, production):
    make_dataset(project)
    body = {"datasetName": "qa", "sourceObservationId": "o1", "expectedOutputFrom": "correction"}
    response = api_client.post(ITEMS_URL, body, format="json")
    assert response.status_code == 200, response.content
    item = response.json()
    assert (item["input"], item["expectedOutput"], item["sourceTraceId"]) == (None, "Paris", "t1")
    named = {"datasetName": "qa", "id": "mine", "sourceTraceId": "t2", "inputFrom": "input", "metadata": {"m": 1}}
    assert api_client.post(ITEMS_URL, named, format="json").json()["input"] == {"q": "2+2"}
    assert DatasetItem.objects.get(id="mine").metadata == {"m": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"inputFrom": "input"}, "sourceTraceId"),
        ({"sourceTraceId": "t1", "inputFrom": "input", "input": 1}, "input"),
        ({"sourceTraceId": "t1", "expectedOutputFrom": "nope"}, "expectedOutputFrom"),
        ({"sourceTraceId": "nope", "inputFrom": "input"}, "sourceTraceId"),
    ],
)
def test_bad_mappings_through_the_api_name_the_field(api_client, project, production, body, field):
    make_dataset(project)
    response = api_client.post(ITEMS_URL, {"datasetName": "qa", **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["message"]
