"""manage.py export_dataset: JSON lines, CSV and the chat fine-tuning formats, parsed back and checked."""

import csv
import io

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from datasets.models import DatasetItem, DatasetStatus
from datasets.services import item_delete, item_upsert
from tests.datasets.io_rows import later, make_dataset, make_item

pytestmark = pytest.mark.django_db


def export(*args, stderr=None) -> str:
    out = io.StringIO()
    call_command("export_dataset", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def assert_openai_chat_example(example: dict) -> None:
    """The OpenAI chat fine-tuning format, as its documentation states it, checked independently of the code."""
    assert set(example) == {"messages"}
    messages = example["messages"]
    assert messages and all(set(message) == {"role", "content"} for message in messages)
    assert all(message["role"] in ("system", "user", "assistant") for message in messages)
    assert all(isinstance(message["content"], str) and message["content"] for message in messages)
    assert messages[-1]["role"] == "assistant"
    assert any(message["role"] == "user" for message in messages)


@pytest.fixture
def dataset(project, other_project):
    """Items: a conversation, a plain string, a structured input; an archived one; another project's dataset."""
    qa = make_dataset(project, "support/qa")
    conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Refund?"}]
    make_item(qa, "i1", input=conversation, expected_output="Within 30 days.", metadata={"lang": "en"})
    make_item(qa, "i2", input="What is 2+2?", expected_output={"role": "assistant", "content": "4"}, at=later(1))
    make_item(qa, "i3", input={"city": "Paris"}, expected_output={"temp": 21}, at=later(2))
    make_item(qa, "gone", input="x", expected_output="y", at=later(3), status=DatasetStatus.ARCHIVED)
    make_item(make_dataset(other_project, "support/qa"), "theirs", input="a", expected_output="b")
    return qa


def test_jsonl_items_in_the_api_shape_oldest_first(project, dataset):
    lines = [orjson.loads(line) for line in export("support/qa", "--project", "Chatbot").splitlines()]
    assert [line["id"] for line in lines] == ["i1", "i2", "i3"]
    first = lines[0]
    assert first["expectedOutput"] == "Within 30 days." and first["metadata"] == {"lang": "en"}
    assert (first["datasetName"], first["status"], first["createdAt"]) == (
        "support/qa",
        "ACTIVE",
        "2025-03-01T09:00:00.000000Z",
    )


def test_each_project_exports_its_own_dataset_of_that_name(project, dataset):
    text = export("support/qa", "--project", "Billing Assistant")
    assert [orjson.loads(line)["id"] for line in text.splitlines()] == ["theirs"]


def test_archived_items_on_request(project, dataset):
    text = export("support/qa", "--project", "Chatbot", "--include-archived")
    assert [orjson.loads(line)["id"] for line in text.splitlines()] == ["i1", "i2", "i3", "gone"]


def test_csv_json_encodes_values(project, dataset, tmp_path):
    target = tmp_path / "qa.csv"
    export("support/qa", "--project", project.id, "--format", "csv", "--output", str(target))
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == ["i1", "i2", "i3"]
    assert orjson.loads(rows[2]["input"]) == {"city": "Paris"}
    assert orjson.loads(rows[0]["expected_output"]) == "Within 30 days."
    assert rows[1]["metadata"] == "" and rows[0]["status"] == "ACTIVE"


def test_openai_chat_has_the_expected_output_as_the_assistant_turn(project, dataset):
    examples = [
        orjson.loads(line)
        for line in export("support/qa", "--project", "Chatbot", "--format", "openai-chat").splitlines()
    ]
    for example in examples:
        assert_openai_chat_example(example)
    assert examples[0]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Refund?"},
        {"role": "assistant", "content": "Within 30 days."},
    ]
    assert examples[1]["messages"] == [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
    ]
    assert [m["content"] for m in examples[2]["messages"]] == ['{"city":"Paris"}', '{"temp":21}']


def test_anthropic_moves_the_system_prompt_and_alternates_turns(project, dataset):
    examples = [
        orjson.loads(line)
        for line in export("support/qa", "--project", "Chatbot", "--format", "anthropic").splitlines()
    ]
    assert examples[0] == {
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Refund?"}, {"role": "assistant", "content": "Within 30 days."}],
    }
    for example in examples:
        roles = [message["role"] for message in example["messages"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2)


def test_an_item_without_expected_output_stops_the_export_and_leaves_no_file(project, dataset, tmp_path):
    make_item(dataset, "open", input="unanswered", expected_output=None, at=later(4))
    target = tmp_path / "qa.jsonl"
    args = ["support/qa", "--project", "Chatbot", "--format", "openai-chat", "--output", str(target)]
    with pytest.raises(
        CommandError, match="item 'open': the output \\(expected output\\) is empty; pass --skip-invalid"
    ):
        export(*args)
    assert list(tmp_path.iterdir()) == []
    errors = io.StringIO()
    export(*args, "--skip-invalid", stderr=errors)
    assert len(target.read_text().splitlines()) == 3
    assert "Skipped item 'open': the output (expected output) is empty" in errors.getvalue()
    assert "Exported 3 items" in errors.getvalue()


def test_an_input_of_assistant_turns_only_does_not_fit_anthropic(project, dataset):
    make_item(dataset, "odd", input=[{"role": "assistant", "content": "hi"}], expected_output="x", at=later(4))
    with pytest.raises(CommandError, match=r"item 'odd': messages\[0\].role must be user"):
        export("support/qa", "--project", "Chatbot", "--format", "anthropic")


def test_streams_in_chunks(project, dataset):
    for index in range(7):
        make_item(dataset, f"more{index}", input="q", expected_output="a", at=later(10 + index))
    with CaptureQueriesContext(connection) as queries:
        text = export("support/qa", "--project", "Chatbot", "--chunk-size", "3")
    assert len(text.splitlines()) == 10
    item_reads = [q for q in queries.captured_queries if 'FROM "datasets_datasetitem"' in q["sql"]]
    assert len(item_reads) in (1, 4)  # one server-side cursor (PostgreSQL) or four fetches of 3 rows (SQLite)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_quiet_otherwise(project, dataset, tmp_path):
    quiet, terminal = io.StringIO(), _Terminal()
    export("support/qa", "--project", "Chatbot", "--output", str(tmp_path / "a.jsonl"), stderr=quiet)
    export("support/qa", "--project", "Chatbot", "--output", str(tmp_path / "b.jsonl"), stderr=terminal)
    assert quiet.getvalue() == f"Exported 3 items to {tmp_path / 'a.jsonl'}\n"
    assert "Exporting support/qa" in terminal.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["support/qa", "--project", "nope"], "--project: no project"),
        (["missing", "--project", "Chatbot"], "name: no dataset named 'missing'"),
        (["support/qa", "--project", "Chatbot", "--chunk-size", "0"], "--chunk-size"),
    ],
)
def test_bad_arguments(project, dataset, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)


def test_as_of_exports_the_items_as_they_were(project, dataset):
    item_upsert(dataset=dataset, item_id="i1", expected_output="Within 14 days.")
    item_delete(item=DatasetItem.objects.get(project=project, id="i2"))
    make_item(dataset, "later", input="new", expected_output="n", at=later(3600))
    before = [
        orjson.loads(line)
        for line in export("support/qa", "--project", "Chatbot", "--as-of", "2025-03-01T09:00:01Z").splitlines()
    ]
    assert [(line["id"], line["expectedOutput"]) for line in before] == [
        ("i1", "Within 30 days."),
        ("i2", {"role": "assistant", "content": "4"}),
    ]
    now = [
        orjson.loads(line)["id"]
        for line in export("support/qa", "--project", "Chatbot", "--as-of", "2099-01-01T00:00:00Z").splitlines()
    ]
    assert now == ["i1", "i3", "later"]
    examples = export(
        "support/qa", "--project", "Chatbot", "--format", "openai-chat", "--as-of", "2025-03-01T09:00:01Z"
    )
    assert orjson.loads(examples.splitlines()[0])["messages"][-1] == {"role": "assistant", "content": "Within 30 days."}
    with pytest.raises(CommandError, match="--as-of: not an ISO 8601 datetime"):
        export("support/qa", "--project", "Chatbot", "--as-of", "last week")


TOOL_CONVERSATION = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "21 C"},
]


def test_tool_turns_keep_their_calls_in_openai_chat(project, dataset):
    make_item(dataset, "tools", input=TOOL_CONVERSATION, expected_output="21 degrees.", at=later(4))
    example = orjson.loads(export("support/qa", "--project", "Chatbot", "--format", "openai-chat").splitlines()[-1])
    assert example["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": TOOL_CONVERSATION[1]["tool_calls"]},
        {"role": "tool", "tool_call_id": "call_1", "content": "21 C"},
        {"role": "assistant", "content": "21 degrees."},
    ]


def test_tool_turns_become_tool_use_and_tool_result_blocks_for_anthropic(project, dataset):
    make_item(dataset, "tools", input=TOOL_CONVERSATION, expected_output="21 degrees.", at=later(4))
    example = orjson.loads(export("support/qa", "--project", "Chatbot", "--format", "anthropic").splitlines()[-1])
    assert example["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "call_1", "name": "weather", "input": {"city": "Paris"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "21 C"}],
        },
        {"role": "assistant", "content": "21 degrees."},
    ]


@pytest.mark.parametrize(
    ("turn", "fmt", "message"),
    [
        ({"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f"}}]}, "openai-chat", "tool_calls"),
        ({"role": "user", "tool_calls": []}, "openai-chat", r"tool_calls must be a non-empty list"),
        ({"role": "tool", "content": "21 C"}, "openai-chat", "tool_call_id must name the call"),
        ({"role": "tool", "content": "21 C"}, "anthropic", r"must name the call it answers \(tool_call_id\)"),
        (
            {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}]},
            "anthropic",
            "arguments are not JSON",
        ),
    ],
)
def test_malformed_tool_turns_are_refused_by_name(project, dataset, turn, fmt, message):
    make_item(dataset, "bad", input=[{"role": "user", "content": "q"}, turn], expected_output="a", at=later(4))
    with pytest.raises(CommandError, match=f"item 'bad': .*{message}"):
        export("support/qa", "--project", "Chatbot", "--format", fmt)
