"""The dataset import admin page: upload, mapping, preview of the first rows, import, errors by line."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse_lazy

from aistrale.tenancy.models import Role
from datasets.models import DatasetItem
from datasets.services import dataset_create

pytestmark = pytest.mark.django_db

URL = reverse_lazy("admin:datasets_import")
CSV = b"question,answer,lang\nWhat is 2+2?,4,en\nCapital of France?,Paris,en\n,empty,en\n"


@pytest.fixture
def dataset(project):
    return dataset_create(project=project, name="qa", input_schema={"type": "string", "minLength": 1})


def form(dataset, **fields) -> dict:
    return {"dataset": dataset.pk, "input": "question", "expected_output": "answer", "metadata": "lang", **fields}


def compact(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_preview_shows_the_first_rows_mapped_with_their_problems(member_client, dataset):
    upload = SimpleUploadedFile("qa.csv", CSV, content_type="text/csv")
    response = member_client.post(URL, {**form(dataset), "file": upload, "_preview": "Preview"})
    page = compact(response)
    assert response.status_code == 200
    assert "Preview: the first 3 rows (columns: question, answer, lang)" in page
    assert '<td class="ds-cell ds-output">What is 2+2?</td><td class="ds-cell ds-output">4</td>' in page
    assert "{&quot;lang&quot;:&quot;en&quot;}" in page
    assert "line 4: input: input does not match the dataset&#x27;s input schema at $" in page
    assert 'Uploaded: <strong id="ds-upload-name">qa.csv</strong>' in page
    assert DatasetItem.objects.count() == 0


def test_import_after_the_preview_uses_the_uploaded_file(member_client, dataset):
    upload = SimpleUploadedFile("qa.csv", CSV, content_type="text/csv")
    previewed = member_client.post(URL, {**form(dataset), "file": upload, "_preview": "Preview"})
    token = re.search(r'name="upload" value="([^"]+)"', previewed.content.decode()).group(1)
    refused = compact(member_client.post(URL, {**form(dataset), "upload": token, "_import": "Import"}))
    assert "Nothing imported: 1 invalid rows" in refused
    assert DatasetItem.objects.count() == 0
    page = compact(
        member_client.post(URL, {**form(dataset), "upload": token, "skip_invalid": "on", "_import": "Import"})
    )
    assert "Imported 2 items, 1 invalid rows skipped" in page and "Imported 2 items from qa.csv into qa." in page
    assert "<td>4</td><td>input</td>" in page
    assert sorted(DatasetItem.objects.values_list("input", "expected_output")) == [
        ("Capital of France?", "Paris"),
        ("What is 2+2?", "4"),
    ]
    gone = compact(member_client.post(URL, {**form(dataset), "upload": token, "_import": "Import"}))
    assert "the uploaded file is gone (already imported?); upload it again" in gone


def test_jsonl_upload_imports_directly(member_client, dataset):
    upload = SimpleUploadedFile(
        "qa.jsonl", b'{"q": "hi", "a": {"text": "hello"}}\n', content_type="application/x-ndjson"
    )
    fields = {"dataset": dataset.pk, "input": "q", "expected_output": "a", "file": upload, "_import": "Import"}
    assert "Imported 1 items" in compact(member_client.post(URL, fields))
    assert DatasetItem.objects.get().expected_output == {"text": "hello"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "choose a file to import"),
        ({"upload": "forged"}, "the uploaded file has expired; upload it again"),
        ({"file": SimpleUploadedFile("qa.txt", b"x")}, "cannot tell the format of &#x27;qa.txt&#x27;"),
        ({"file": SimpleUploadedFile("qa.csv", CSV), "input": "prompt"}, "the file has no column &#x27;prompt&#x27;"),
        ({"file": SimpleUploadedFile("qa.csv", CSV), "input": " , "}, "name at least one column"),
    ],
)
def test_bad_uploads_are_named(member_client, dataset, fields, message):
    page = compact(member_client.post(URL, {**form(dataset), **fields, "_preview": "Preview"}))
    assert message in page and 'id="ds-preview"' not in page


def test_only_writers_datasets_are_offered(client, make_user, other_project, dataset):
    client.force_login(make_user("outsider", project=other_project))
    upload = SimpleUploadedFile("qa.csv", CSV)
    page = compact(client.post(URL, {**form(dataset), "file": upload, "_import": "Import"}))
    assert "Select a valid choice" in page and DatasetItem.objects.count() == 0


def test_viewers_may_not_import(client, make_user, project, dataset):
    client.force_login(make_user("viewer", project=project, role=Role.VIEWER))
    assert client.get(URL).status_code == 403
