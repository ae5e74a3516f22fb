"""manage.py import_dataset: CSV and JSON lines with a column mapping, bad rows by line number, all or nothing."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from datasets.models import DatasetItem, DatasetItemVersion
from datasets.services import dataset_create, item_upsert

pytestmark = pytest.mark.django_db

CSV = """question,answer,lang,source
What is 2+2?,4,en,quiz
"Capital of France, please",Paris,en,geo
Wie spät ist es?,"Zeit, die es ist",de,chat
"""


def run_import(*args, stderr=None) -> str:
    out = io.StringIO()
    call_command("import_dataset", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def dataset(project):
    return dataset_create(project=project, name="eval/qa")


def items(dataset) -> list[DatasetItem]:
    return list(DatasetItem.objects.filter(dataset=dataset).order_by("created_at", "key"))


def test_csv_with_a_column_mapping(project, dataset, tmp_path):
    path = write(tmp_path, "qa.csv", CSV)
    mapping = ["--input", "question", "--expected-output", "answer", "--metadata", "lang,source"]
    out = run_import("eval/qa", path, "--project", "Chatbot", *mapping)
    assert out == "Imported 3 items into eval/qa (0 invalid rows)\n"
    rows = items(dataset)
    assert [(item.input, item.expected_output, item.metadata) for item in rows] == [
        ("What is 2+2?", "4", {"lang": "en", "source": "quiz"}),
        ("Capital of France, please", "Paris", {"lang": "en", "source": "geo"}),
        ("Wie spät ist es?", "Zeit, die es ist", {"lang": "de", "source": "chat"}),
    ]
    assert DatasetItemVersion.objects.filter(dataset=dataset).count() == 3


def test_several_input_columns_make_an_object_and_json_columns_parse(project, dataset, tmp_path):
    path = write(tmp_path, "qa.csv", 'id,q,ctx,expected\nk1,Hi,"{""user"": 1}","[1, 2]"\n')
    args = ["--input", "q,ctx", "--expected-output", "expected", "--id", "id", "--json-columns", "ctx,expected"]
    run_import("eval/qa", path, "--project", "Chatbot", *args)
    item = DatasetItem.objects.get(project=project, id="k1")
    assert (item.input, item.expected_output, item.metadata) == ({"q": "Hi", "ctx": {"user": 1}}, [1, 2], None)


def test_jsonl_keeps_values_as_they_are(project, dataset, tmp_path):
    lines = [
        {"input": {"messages": [{"role": "user", "content": "hi"}]}, "expected_output": {"text": "hello"}, "n": 1},
        {"input": "plain", "n": 2},
    ]
    path = write(tmp_path, "qa.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    run_import("eval/qa", path, "--project", "Chatbot", "--metadata", "n")
    assert [(item.input, item.expected_output, item.metadata) for item in items(dataset)] == [
        (lines[0]["input"], {"text": "hello"}, {"n": 1}),
        ("plain", None, {"n": 2}),
    ]


def test_an_export_imports_back(project, dataset, tmp_path):
    item_upsert(dataset=dataset, item_id="a", input={"q": [1, 2]}, expected_output="x", metadata={"k": True})
    exported = tmp_path / "out.csv"
    call_command("export_dataset", "eval/qa", "--project", "Chatbot", "--format", "csv", "--output", str(exported))
    copy = dataset_create(project=project, name="copy")
    json_columns = "input,expected_output,metadata"
    run_import("copy", str(exported), "--project", "Chatbot", "--metadata", "metadata", "--json-columns", json_columns)
    (item,) = items(copy)
    assert (item.input, item.expected_output, item.metadata) == ({"q": [1, 2]}, "x", {"metadata": {"k": True}})


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(project, tmp_path):
    dataset_create(project=project, name="strict", input_schema={"type": "object", "required": ["q"]})
    item_upsert(dataset=dataset_create(project=project, name="other"), item_id="taken", input={"q": 1})
    text = (
        "id,input\n"
        'ok1,"{""q"": 1}"\n'
        'ok2,"{""q"": 2}"\n'
        "bad-json,{not json\n"
        'schema,"{""r"": 1}"\n'
        'taken,"{""q"": 3}"\n'
        'ok1,"{""q"": 4}"\n'
        "short\n"
    )
    path = write(tmp_path, "strict.csv", text)
    args = ["strict", path, "--project", "Chatbot", "--id", "id", "--json-columns", "input", "--batch-size", "2"]
    with pytest.raises(CommandError) as refused:
        run_import(*args)
    message = str(refused.value)
    assert message.startswith("5 invalid rows; nothing was imported; pass --skip-invalid")
    assert "line 4: input: not JSON" in message
    assert "line 5: input: input does not match the dataset's input schema at $: 'q' is a required property" in message
    assert "line 6: id: item id 'taken' already exists in this project" in message
    assert "line 7: id: item id 'ok1' repeats an earlier line" in message
    assert "line 8: has 1 cells, the header names 2 columns" in message
    assert DatasetItem.objects.filter(dataset__name="strict").count() == 0
    errors = io.StringIO()
    assert run_import(*args, "--skip-invalid", stderr=errors) == "Imported 2 items into strict (5 invalid rows)\n"
    assert sorted(DatasetItem.objects.filter(dataset__name="strict").values_list("id", flat=True)) == ["ok1", "ok2"]
    assert "Skipped line 4: input: not JSON" in errors.getvalue()


def test_bad_jsonl_lines(project, dataset, tmp_path):
    path = write(tmp_path, "qa.jsonl", '{"input": 1}\n[1, 2]\n{"input": \n{"expected_output": 3}\n')
    with pytest.raises(CommandError) as refused:
        run_import("eval/qa", path, "--project", "Chatbot")
    message = str(refused.value)
    assert "line 2: must be a JSON object" in message and "line 3: not JSON" in message
    assert "line 4: input: is missing" in message
    assert items(dataset) == []


def test_a_file_that_is_not_utf8_imports_nothing(project, dataset, tmp_path):
    """The bad byte comes after thousands of good rows, written batch by batch: they are rolled back."""
    path = tmp_path / "latin.csv"
    path.write_bytes(b"input\n" + b"ok\n" * 5000 + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError) as refused:
        run_import("eval/qa", str(path), "--project", "Chatbot", "--batch-size", "100", "--skip-invalid")
    assert re.fullmatch(
        r"file: not UTF-8 text \(invalid continuation byte\) at or after line \d{4}; nothing was imported",
        str(refused.value),
    )
    assert items(dataset) == []


def test_create_the_dataset(project, tmp_path):
    path = write(tmp_path, "new.csv", "input\nhello\n")
    with pytest.raises(CommandError, match="name: no dataset named 'new' in project 'Chatbot' \\(pass --create\\)"):
        run_import("new", path, "--project", "Chatbot")
    run_import("new", path, "--project", "Chatbot", "--create")
    assert DatasetItem.objects.get(dataset__name="new").input == "hello"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nope"], "--project: no project"),
        (["--project", "Chatbot", "--input", "prompt"], "mapping: the file has no column 'prompt'; its columns: "),
        (["--project", "Chatbot", "--input", ""], "--input: name at least one column"),
        (["--project", "Chatbot", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_arguments(project, dataset, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run_import("eval/qa", write(tmp_path, "qa.csv", CSV), *args)


def test_bad_files(project, dataset, tmp_path):
    with pytest.raises(CommandError, match="--format: cannot tell the format of"):
        run_import("eval/qa", write(tmp_path, "qa.txt", "input\n"), "--project", "Chatbot")
    with pytest.raises(CommandError, match="file: No such file or directory"):
        run_import("eval/qa", str(tmp_path / "missing.csv"), "--project", "Chatbot")
    with pytest.raises(CommandError, match="file: the file is empty"):
        run_import("eval/qa", write(tmp_path, "empty.csv", ""), "--project", "Chatbot")
    with pytest.raises(CommandError, match="file: line 1: the header must name every column once"):
        run_import("eval/qa", write(tmp_path, "dup.csv", "input,input\n1,2\n"), "--project", "Chatbot")
