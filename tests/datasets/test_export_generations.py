"""manage.py export_generations: production generations as fine-tuning data, filtered, thresholded, corrected."""

import io
from datetime import timedelta

import orjson
import pytest
from django.core.management import CommandError, call_command

from tests.datasets.test_export_dataset import assert_openai_chat_example
from tests.evals.factories import make_score
from tests.observability.factories import T0, make_observation, make_trace

pytestmark = pytest.mark.django_db


def export(*args, stderr=None) -> list[dict]:
    out = io.StringIO()
    call_command("export_generations", *args, stdout=out, stderr=stderr or io.StringIO())
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def generation(project, observation_id, trace_id, *, question, answer, seconds=0, **fields):
    return make_observation(
        project,
        observation_id,
        trace_id,
        start=T0 + timedelta(seconds=seconds),
        type="GENERATION",
        model=fields.pop("model", "gpt-4o"),
        input=[{"role": "user", "content": question}],
        output={"role": "assistant", "content": answer},
        **fields,
    )


@pytest.fixture
def generations(project, other_project):
    """g1 (good), g2 (bad, corrected on the generation), g3 (claude, its trace corrected), a span, another project's."""
    for trace_id in ("t1", "t2", "t3"):
        make_trace(project, trace_id)
    generation(project, "g1", "t1", question="Capital of France?", answer="Paris.")
    generation(project, "g2", "t2", question="2+2?", answer="5", seconds=1)
    generation(project, "g3", "t3", question="Hi", answer="Hello", seconds=2, model="claude-3-5-sonnet")
    make_observation(project, "s1", "t1", type="SPAN", input="not a generation", output="x")
    generation(other_project, "theirs", "tx", question="secret", answer="secret")
    make_score(project, score_id="s-g1", name="quality", value=0.9, trace_id="t1", observation_id="g1")
    make_score(project, score_id="s-g2", name="quality", value=0.2, trace_id="t2", observation_id="g2")
    make_score(project, score_id="s-t3", name="quality", value=0.8, trace_id="t3")
    make_score(
        project,
        score_id="c-g2",
        data_type="CORRECTION",
        value="4",
        trace_id="t2",
        observation_id="g2",
    )
    make_score(
        project,
        score_id="c-t3",
        data_type="CORRECTION",
        value="Hello there!",
        trace_id="t3",
    )


def answers(examples) -> list[str]:
    return [example["messages"][-1]["content"] for example in examples]


def test_every_generation_with_corrections_replacing_outputs(project, generations):
    examples = export("--project", "Chatbot")
    for example in examples:
        assert_openai_chat_example(example)
    assert examples[0]["messages"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
    assert answers(examples) == ["Paris.", "4", "Hello there!"]


def test_only_generations_at_or_above_a_score_threshold(project, generations):
    assert answers(export("--project", "Chatbot", "--min-score", "quality=0.8")) == ["Paris.", "Hello there!"]
    assert answers(export("--project", "Chatbot", "--min-score", "quality=0.95")) == []


def test_only_corrected_generations(project, generations):
    assert answers(export("--project", "Chatbot", "--only-corrected")) == ["4", "Hello there!"]


def test_the_observations_json_filter_and_time_window(project, generations):
    claude = orjson.dumps([{"type": "string", "column": "model", "operator": "starts with", "value": "claude"}])
    assert answers(export("--project", "Chatbot", "--filter", claude.decode())) == ["Hello there!"]
    window = ["--from", "2025-01-15T12:00:01Z", "--to", "2025-01-15T12:00:02Z"]
    assert answers(export("--project", "Chatbot", *window)) == ["4"]


def test_anthropic_format(project, generations):
    examples = export("--project", "Chatbot", "--format", "anthropic", "--chunk-size", "2")
    assert examples[2] == {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there!"}]
    }


def test_a_generation_without_output_is_reported(project, generations):
    make_observation(project, "empty", "t1", start=T0 + timedelta(seconds=5), type="GENERATION", input="q")
    with pytest.raises(CommandError, match="generation 'empty': the output .* is empty; pass --skip-invalid"):
        export("--project", "Chatbot")
    errors = io.StringIO()
    assert len(export("--project", "Chatbot", "--skip-invalid", stderr=errors)) == 3
    assert "Skipped generation 'empty'" in errors.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nope"], "--project: no project"),
        (["--project", "Chatbot", "--filter", "[{"], "--filter: must be a JSON array"),
        (["--project", "Chatbot", "--filter", '[{"type": "string"}]'], r"filter\[0\]: needs column, operator"),
        (["--project", "Chatbot", "--min-score", "quality"], "--min-score: expected NAME=NUMBER"),
        (["--project", "Chatbot", "--min-score", "quality=high"], "--min-score: expected NAME=NUMBER"),
        (["--project", "Chatbot", "--from", "yesterday"], "--from: not an ISO 8601"),
        (["--project", "Chatbot", "--from", "2025-02-01", "--to", "2025-01-01"], "--from must be before --to"),
    ],
)
def test_bad_arguments(project, generations, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)
