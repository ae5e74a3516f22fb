"""manage.py export_traces: JSON lines and CSV, time window, project lookup, chunked streaming."""

import csv
import io
from datetime import timedelta

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.observability.factories import T0, make_llm_trace, make_trace

pytestmark = pytest.mark.django_db


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_traces", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def traces_to_export(project, other_project):
    """Traces of `project` inside and outside the exported day, and one of another project."""
    make_llm_trace(project, "t1", at=T0, name="first", user_id="u1", tags=["prod"], input={"q": "hi"})
    make_trace(project, "t2", at=T0 + timedelta(hours=1), name="second")
    make_trace(project, "late", at=T0 + timedelta(days=2))
    make_trace(other_project, "theirs", at=T0)


def test_jsonl_one_trace_per_line_with_nested_observations(project, traces_to_export):
    text = export("--project", project.id, "--from", "2025-01-15T00:00:00Z", "--to", "2025-01-16T00:00:00Z")
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert [line["id"] for line in lines] == ["t1", "t2"]
    first = lines[0]
    assert (first["name"], first["userId"], first["tags"], first["input"]) == ("first", "u1", ["prod"], {"q": "hi"})
    assert first["timestamp"] == "2025-01-15T12:00:00.123456Z"
    assert [o["id"] for o in first["observations"]] == ["t1-root", "t1-ret", "t1-gen"]
    assert first["observations"][2]["usageDetails"] == {"input": 120, "output": 30, "total": 150}
    assert lines[1]["observations"] == []


def test_csv_one_row_per_observation(project, traces_to_export, tmp_path):
    target = tmp_path / "traces.csv"
    call_command(
        "export_traces", "--project", "Chatbot", "--format", "csv", "--output", str(target), stderr=io.StringIO()
    )
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["trace_id"], row["observation_id"]) for row in rows] == [
        ("t1", "t1-root"),
        ("t1", "t1-ret"),
        ("t1", "t1-gen"),
        ("t2", ""),
        ("late", ""),
    ]
    generation = rows[2]
    assert generation["type"] == "GENERATION" and generation["model"] == "gpt-4o"
    assert generation["total_tokens"] == "150" and generation["total_cost"].startswith("0.0006")
    assert orjson.loads(generation["input"]) == [{"role": "user", "content": "hi"}]
    assert generation["tags"] == '["prod"]'


def test_streams_in_chunks_with_one_observation_query_per_chunk(project):
    for index in range(7):
        make_llm_trace(project, f"t{index}", at=T0 + timedelta(seconds=index))
    with CaptureQueriesContext(connection) as queries:
        text = export("--project", project.id, "--chunk-size", "3")
    observation_queries = [q for q in queries.captured_queries if "observability_observation" in q["sql"]]
    assert len(observation_queries) == 3
    assert len(text.splitlines()) == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nope"], "no project"),
        (["--project", "Chatbot", "--from", "last week"], "--from"),
        (["--project", "Chatbot", "--from", "2025-02-01", "--to", "2025-01-01"], "before"),
    ],
)
def test_bad_arguments(project, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)
