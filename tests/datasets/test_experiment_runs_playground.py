"""The datasets app's playground actions: "Add to dataset" keeps a run as an item, "Run over a dataset" starts a
server-side experiment of the page's messages with the variant's connection, model and parameters."""

import json

import pytest
from django.urls import reverse

from aistrale.tenancy.models import Role
from datasets.models import DatasetItem, DatasetRun, DatasetRunItem
from tests.background import wait_for_background_work
from tests.datasets.factories import make_dataset, make_item
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Answer: {{q}}"}]


@pytest.fixture
def writer(client, project, make_user):
    client.force_login(make_user("writer", project=project, role=Role.MEMBER))
    return client


def act(client, name, body):
    url = reverse("admin:prompts_playground_action", args=[name])
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_page_offers_both_actions(writer, project):
    page = writer.get(reverse("admin:prompts_playground"), {"project": project.pk}).content.decode()
    assert "/admin/prompts/prompt/playground/action/add_to_dataset/" in page
    assert "/admin/prompts/prompt/playground/action/run_over_dataset/" in page


def test_add_to_dataset_keeps_the_run_as_an_item(writer, project):
    make_dataset(project)
    body = {
        "project": project.pk,
        "dataset": "qa",
        "messages": MESSAGES,
        "variables": {"q": "2+2"},
        "output": "4",
        "traceId": "tr-1",
        "variant": {"model": "fake-model"},
    }
    response = act(writer, "add_to_dataset", body)

    assert response.status_code == 200
    item = DatasetItem.objects.get(id=response.json()["itemId"])
    assert (item.input, item.expected_output, item.source_trace_id) == ({"q": "2+2"}, "4", "tr-1")
    assert item.metadata == {"source": "playground", "model": "fake-model"}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"dataset": "nope"}, "dataset_name"), ({"dataset": ""}, "dataset"), ({"output": None}, "output")],
)
def test_add_to_dataset_refuses_bad_input_naming_the_field(writer, project, change, field):
    make_dataset(project)
    body = {"project": project.pk, "dataset": "qa", "messages": MESSAGES, "output": "4", **change}
    response = act(writer, "add_to_dataset", body)
    assert response.status_code in (400, 404) and response.json()["field"] == field
    assert not DatasetItem.objects.exists()


def test_run_over_a_dataset_runs_the_messages_with_the_variant(writer, project, fake_provider):
    dataset = make_dataset(project)
    for index in range(3):
        make_item(dataset, item_id=f"a{index}", input={"q": f"a{index}"})
    make_connection(project, fake_provider)
    variant = {"connection": "fake-openai", "model": "fake-model", "parameters": {"temperature": 0.5}}
    body = {"project": project.pk, "dataset": "qa", "messages": MESSAGES, "variant": variant, "name": "pg-run"}

    response = act(writer, "run_over_dataset", body)
    assert response.status_code == 200 and response.json()["run"] == "pg-run"
    wait_for_background_work()

    run = DatasetRun.objects.get(name="pg-run")
    assert run.metadata["experiment"]["messages"] == MESSAGES
    assert DatasetRunItem.objects.filter(run=run).count() == 3
    sent = sorted(request.body["messages"][1]["content"] for request in fake_provider.requests)
    assert sent == ["Answer: a0", "Answer: a1", "Answer: a2"]
    assert {request.body["temperature"] for request in fake_provider.requests} == {0.5}


def test_run_over_a_dataset_refuses_a_bad_variant(writer, project, fake_provider):
    make_dataset(project)
    body = {"project": project.pk, "dataset": "qa", "messages": MESSAGES, "variant": {"connection": "nope"}}
    response = act(writer, "run_over_dataset", body)
    assert response.status_code == 400 and response.json()["field"] == "variants.0.connection"
    assert not DatasetRun.objects.exists()
