"""The datasets API as the SDKs call it: datasets, items (as of a version), runs and run items."""

import urllib.parse

import pytest

from datasets.models import DatasetItemVersion, DatasetRun
from tests.datasets.factories import DATASETS_URL, ITEMS_URL, RUN_ITEMS_URL, make_dataset, make_item, make_run_item
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db


def post(client, url, body, status=200):
    response = client.post(url, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_a_dataset_is_created_then_upserted_by_name_and_read_by_folder_name(api_client):
    body = {"name": "evals/qa", "description": "d", "metadata": {"a": 1}, "inputSchema": {"type": "object"}}
    created = post(api_client, DATASETS_URL, body)
    assert (created["name"], created["inputSchema"], created["expectedOutputSchema"]) == (
        "evals/qa",
        {"type": "object"},
        None,
    )
    changed = post(api_client, DATASETS_URL, {"name": "evals/qa", "description": "new"})
    assert (changed["id"], changed["description"], changed["metadata"]) == (created["id"], "new", {"a": 1})
    read = api_client.get(f"{DATASETS_URL}/{urllib.parse.quote('evals/qa', safe='')}").json()
    assert read["id"] == created["id"]
    listed = api_client.get(DATASETS_URL).json()
    assert [row["name"] for row in listed["data"]] == ["evals/qa"] and listed["meta"]["totalItems"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "a//b"}, "name"),
        ({"name": "qa", "inputSchema": {"type": 3}}, "inputSchema"),
        ({"name": "qa", "expectedOutputSchema": "string"}, "expectedOutputSchema"),
    ],
)
def test_bad_datasets_are_refused_naming_the_field(api_client, body, field):
    response = api_client.post(DATASETS_URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["message"]


def test_items_upsert_on_their_id_and_keep_fields_not_sent(api_client, project):
    make_dataset(project)
    first = post(api_client, ITEMS_URL, {"datasetName": "qa", "id": "i1", "input": {"q": 1}, "expectedOutput": "A"})
    assert (first["status"], first["datasetName"], first["mediaReferences"]) == ("ACTIVE", "qa", [])
    changed = post(api_client, ITEMS_URL, {"datasetName": "qa", "id": "i1", "status": "ARCHIVED"})
    assert (changed["input"], changed["expectedOutput"], changed["status"]) == ({"q": 1}, "A", "ARCHIVED")
    assert changed["version"] > first["version"]
    assert api_client.get(f"{ITEMS_URL}/i1").json()["status"] == "ARCHIVED"
    generated = post(api_client, ITEMS_URL, {"datasetName": "qa", "input": "x"})
    assert generated["id"] and generated["id"] != "i1"


def test_an_item_breaking_the_schema_is_refused_with_the_path(api_client, project):
    make_dataset(project, input_schema={"type": "object", "properties": {"n": {"type": "integer"}}})
    response = api_client.post(ITEMS_URL, {"datasetName": "qa", "input": {"n": "one"}}, format="json")
    assert response.status_code == 400
    assert "$.n" in response.json()["message"] and "input" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"input": 1}, 400, "datasetName"),
        ({"datasetName": "missing"}, 404, "datasetName"),
        ({"datasetName": "qa", "status": "DONE"}, 400, "status"),
        ({"datasetName": "qa", "id": "x" * 256}, 400, "id"),
    ],
)
def test_bad_items_are_refused_naming_the_field(api_client, project, body, status, field):
    make_dataset(project)
    response = api_client.post(ITEMS_URL, body, format="json")
    assert response.status_code == status, response.content
    assert field in response.json()["message"]


def test_items_read_as_of_a_version(api_client, project):
    dataset = make_dataset(project)
    old = make_item(dataset, item_id="i1", input="old")
    post(api_client, ITEMS_URL, {"datasetName": "qa", "id": "i1", "input": "new"})
    post(api_client, ITEMS_URL, {"datasetName": "qa", "id": "i2", "input": "two"})
    version = old.version.isoformat().replace("+00:00", "Z")
    as_of = api_client.get(ITEMS_URL, {"datasetName": "qa", "version": version}).json()
    assert [(row["id"], row["input"]) for row in as_of["data"]] == [("i1", "old")]
    latest = api_client.get(ITEMS_URL, {"datasetName": "qa"}).json()
    assert {row["id"]: row["input"] for row in latest["data"]} == {"i1": "new", "i2": "two"}
    response = api_client.get(ITEMS_URL, {"version": version})
    assert response.status_code == 400 and "datasetName" in response.json()["message"]
    assert api_client.get(ITEMS_URL, {"datasetName": "qa", "version": "yesterday"}).status_code == 400


def test_items_read_page_by_page_as_the_sdks_do(api_client, project):
    dataset = make_dataset(project)
    make_dataset(project, name="other")
    for n in range(7):
        make_item(dataset, item_id=f"i{n}", source_trace_id="t" if n % 2 else None)
    post(api_client, ITEMS_URL, {"datasetName": "other", "id": "x0"})
    whole = api_client.get(ITEMS_URL, {"datasetName": "qa", "limit": 100}).json()
    assert sorted(row["id"] for row in whole["data"]) == [f"i{n}" for n in range(7)]
    pages = [api_client.get(ITEMS_URL, {"datasetName": "qa", "limit": 3, "page": page}).json() for page in (1, 2, 3)]
    assert [row["id"] for page in pages for row in page["data"]] == [row["id"] for row in whole["data"]]
    assert pages[2]["meta"] == {"page": 3, "limit": 3, "totalItems": 7, "totalPages": 3}
    beyond = api_client.get(ITEMS_URL, {"datasetName": "qa", "limit": 3, "page": 4}).json()
    assert beyond["data"] == [] and beyond["meta"]["totalItems"] == 7
    traced = api_client.get(ITEMS_URL, {"datasetName": "qa", "sourceTraceId": "t", "limit": 2, "page": 2}).json()
    assert [row["id"] for row in traced["data"]] == [
        row["id"] for row in whole["data"] if row["id"] in {"i1", "i3", "i5"}
    ][2:]
    everything = api_client.get(ITEMS_URL, {"limit": 5, "page": 2}).json()
    assert everything["meta"]["totalItems"] == 8 and len(everything["data"]) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit")],
)
def test_bad_item_pages_are_refused_naming_the_parameter(api_client, project, query, field):
    make_dataset(project)
    response = api_client.get(ITEMS_URL, {"datasetName": "qa", **query})
    assert response.status_code == 400, response.content
    assert field in response.json()["message"]


def test_deleting_an_item_answers_a_message_and_keeps_old_versions(api_client, project):
    make_item(make_dataset(project), item_id="i1")
    assert api_client.delete(f"{ITEMS_URL}/i1").json()["message"]
    assert api_client.get(f"{ITEMS_URL}/i1").status_code == 404
    assert api_client.delete(f"{ITEMS_URL}/i1").status_code == 404
    assert DatasetItemVersion.objects.filter(is_deleted=True).count() == 1


def test_run_items_create_runs_which_read_back_with_their_items(api_client, project):
    make_item(make_dataset(project, name="a/b"), item_id="i1")
    body = {"runName": "r 1", "datasetItemId": "i1", "traceId": "t1", "runDescription": "d", "metadata": {"m": 1}}
    run_item = post(api_client, RUN_ITEMS_URL, body)
    assert post(api_client, RUN_ITEMS_URL, body)["id"] == run_item["id"]
    runs_url = f"/api/public/datasets/{urllib.parse.quote('a/b', safe='')}/runs"
    runs = api_client.get(runs_url).json()
    assert [(run["name"], run["description"], run["metadata"]) for run in runs["data"]] == [("r 1", "d", {"m": 1})]
    run = api_client.get(f"{runs_url}/{urllib.parse.quote('r 1', safe='')}").json()
    assert [row["id"] for row in run["datasetRunItems"]] == [run_item["id"]]
    assert run_item["datasetRunId"] == run["id"] == DatasetRun.objects.get().id
    listed = api_client.get(RUN_ITEMS_URL, {"datasetId": run["datasetId"], "runName": "r 1"}).json()
    assert [row["traceId"] for row in listed["data"]] == ["t1"]
    assert api_client.delete(f"{runs_url}/r%201").json()["message"]
    assert api_client.get(f"{runs_url}/r%201").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"datasetItemId": "i1", "traceId": "t"}, 400, "runName"),
        ({"runName": "r", "traceId": "t"}, 400, "datasetItemId"),
        ({"runName": "r", "datasetItemId": "missing", "traceId": "t"}, 404, "datasetItemId"),
        ({"runName": "r", "datasetItemId": "i1"}, 400, "traceId"),
        (
            {"runName": "r", "datasetItemId": "i1", "traceId": "t", "datasetVersion": "2000-01-01T00:00:00Z"},
            400,
            "datasetVersion",
        ),
        ({"runName": "r", "datasetItemId": "i1", "traceId": "t", "createdAt": "soon"}, 400, "createdAt"),
    ],
)
def test_bad_run_items_are_refused_naming_the_field(api_client, project, body, status, field):
    make_item(make_dataset(project), item_id="i1")
    response = api_client.post(RUN_ITEMS_URL, body, format="json")
    assert response.status_code == status, response.content
    assert field in response.json()["message"]


def test_another_project_sees_nothing(api_client, other_client, project):
    make_run_item(make_item(make_dataset(project), item_id="i1"))
    assert other_client.get(f"{DATASETS_URL}/qa").status_code == 404
    assert other_client.get(f"{ITEMS_URL}/i1").status_code == 404
    assert other_client.get(ITEMS_URL).json()["data"] == []
    assert other_client.get("/api/public/datasets/qa/runs").status_code == 404
    assert other_client.delete(f"{ITEMS_URL}/i1").status_code == 404
    response = other_client.post(ITEMS_URL, {"datasetName": "qa", "id": "i1"}, format="json")
    assert response.status_code == 404
    assert api_client.get(f"{ITEMS_URL}/i1").status_code == 200


def test_lists_make_constant_queries(api_client, project):
    dataset = make_dataset(project)
    item = make_item(dataset, item_id="i0")
    assert_queries_constant(
        lambda: api_client.get(DATASETS_URL), rows_of(lambda n: make_dataset(project, name=f"d{n}"))
    )
    assert_queries_constant(
        lambda: api_client.get(ITEMS_URL, {"datasetName": "qa"}),
        rows_of(lambda n: make_item(dataset, item_id=f"i{n + 1}")),
    )
    assert_queries_constant(
        lambda: api_client.get(ITEMS_URL, {"datasetName": "qa", "version": "2100-01-01T00:00:00Z"}),
        rows_of(lambda n: make_item(dataset, item_id=f"v{n}")),
    )
    assert_queries_constant(
        lambda: api_client.get("/api/public/datasets/qa/runs"),
        rows_of(lambda n: make_run_item(item, run_name=f"r{n}")),
    )
    assert_queries_constant(
        lambda: api_client.get("/api/public/datasets/qa/runs/r0"),
        rows_of(lambda n: make_run_item(item, run_name="r0", trace_id=f"t{n}")),
    )


def test_items_list_their_media_references_with_download_urls(api_client, project):
    from tests.observability.factories import make_media

    media, reference = make_media(project, b"\x89PNG item", "image/png", trace_id="t-media")
    dataset = make_dataset(project)
    make_item(dataset, item_id="m1", input={"image": reference, "caption": "a cat"}, metadata=[f"see {reference}"])
    make_item(dataset, item_id="m2", input={"image": "@@@langfuseMedia:type=image/png|id=unknown|source=bytes@@@"})
    [m2, m1] = api_client.get(ITEMS_URL, {"datasetName": "qa"}).json()["data"]
    assert m2["mediaReferences"] == []
    assert [(ref["field"], ref["jsonPath"], ref["referenceString"]) for ref in m1["mediaReferences"]] == [
        ("input", "$['image']", reference),
        ("metadata", "$[0]", reference),
    ]
    resolved = m1["mediaReferences"][0]["media"]
    assert (resolved["mediaId"], resolved["contentType"], resolved["contentLength"]) == (
        media.id,
        "image/png",
        len(b"\x89PNG item"),
    )
    downloaded = api_client.get(resolved["url"].removeprefix("http://testserver"))
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == b"\x89PNG item"
    detail = api_client.get(f"{ITEMS_URL}/m1").json()["mediaReferences"]
    assert [(ref["jsonPath"], ref["media"]["mediaId"]) for ref in detail] == [
        ("$['image']", media.id),
        ("$[0]", media.id),
    ]
