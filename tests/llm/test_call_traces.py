"""Every provider call is traced into its project by observability's call sink, priced from the price table."""

import logging
from decimal import Decimal

import pytest

from aistrale.llm import calls
from aistrale.llm.models import LlmAdapter
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmAuthError, LlmRequest
from observability.ingestion.batch import ingest_batch
from observability.models import Observation, Trace
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db

SCHEMA = {"type": "object", "properties": {"score": {"type": "number"}}, "required": ["score"]}
# Standard tier of the bundled price table, per token: (input, output).
PRICES = {
    "gpt-4o": (Decimal("2.5e-6"), Decimal("10e-6")),
    "claude-haiku-4-5": (Decimal("1e-6"), Decimal("5e-6")),
}
MODELS = {LlmAdapter.OPENAI: "gpt-4o", LlmAdapter.ANTHROPIC: "claude-haiku-4-5"}


def target(project, **fields):
    return CallTrace(project_id=project.pk, environment="aistrale-evaluation", name="evaluator: relevance", **fields)


def ask(model, **fields):
    return LlmRequest(
        model=model,
        messages=[{"role": "system", "content": "judge"}, {"role": "user", "content": "is it relevant?"}],
        **fields,
    )


@pytest.mark.parametrize("adapter", [LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC])
def test_a_call_becomes_a_priced_generation_in_its_own_trace(project, fake_provider, model_prices, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(Reply(text="yes, relevant", usage=(1000, 200)))
    model = MODELS[adapter]

    result = calls.complete(
        connection=connection,
        request=ask(model, parameters={"temperature": 0}),
        trace=target(project, metadata={"evaluatorId": "ev-1"}, tags=["judge"]),
    )

    trace = Trace.objects.get(project=project, id=result.trace_id)
    assert (trace.name, trace.environment, trace.tags) == ("evaluator: relevance", "aistrale-evaluation", ["judge"])
    assert trace.metadata == {"evaluatorId": "ev-1"} and trace.output == "yes, relevant"
    generation = Observation.objects.get(project=project, id=result.observation_id)
    assert (generation.type, generation.trace_id, generation.environment) == (
        "GENERATION",
        result.trace_id,
        "aistrale-evaluation",
    )
    assert generation.model == model and generation.model_parameters == {"temperature": 0}
    assert generation.input[1] == {"role": "user", "content": "is it relevant?"}
    assert generation.output == "yes, relevant" and generation.level == "DEFAULT"
    assert (generation.input_tokens, generation.output_tokens, generation.total_tokens) == (1000, 200, 1200)
    input_price, output_price = PRICES[model]
    assert generation.total_cost == 1000 * input_price + 200 * output_price
    assert (generation.start_time, generation.end_time) == (result.started_at, result.ended_at)
    assert generation.metadata["llmConnection"] == connection.provider


def test_a_failed_call_is_an_error_generation_without_the_key(project, fake_provider, caplog):
    connection = make_connection(project, fake_provider)
    fake_provider.script(Reply(status=401, error="invalid api key"))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(LlmAuthError):
        calls.complete(connection=connection, request=ask("gpt-4o"), trace=target(project))

    generation = Observation.objects.get(project=project)
    assert generation.level == "ERROR" and generation.output is None
    assert generation.status_message.startswith("auth: ") and "invalid api key" in generation.status_message
    assert generation.metadata["errorKind"] == "auth" and generation.total_tokens == 0
    stored = [generation.status_message, str(generation.metadata), str(generation.input)]
    assert all(connection.secret_key not in text for text in [*stored, caplog.text])


def test_structured_output_is_stored_parsed(project, fake_provider):
    connection = make_connection(project, fake_provider)
    fake_provider.script(Reply(text='{"score": 0.9}'))

    result = calls.complete(connection=connection, request=ask("gpt-4o", response_schema=SCHEMA), trace=target(project))

    generation = Observation.objects.get(project=project, id=result.observation_id)
    assert generation.output == {"score": 0.9} and generation.metadata["responseSchema"] == SCHEMA


def test_a_stream_is_traced_once_it_ends(project, fake_provider):
    connection = make_connection(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    fake_provider.script(Reply(text="one two three", chunks=3, usage=(5, 3)))

    stream = calls.stream(connection=connection, request=ask("claude-haiku-4-5"), trace=target(project))
    assert Observation.objects.count() == 0
    assert "".join(stream) == "one two three"

    generation = Observation.objects.get(project=project, id=stream.result.observation_id)
    assert generation.output == "one two three" and generation.total_tokens == 8


def test_embeddings_are_traced_as_embedding_observations(project, fake_provider, model_prices):
    connection = make_connection(project, fake_provider)

    calls.embed(connection=connection, model="text-embedding-3-small", texts=["cat dog", "bird"], trace=target(project))

    embedding = Observation.objects.get(project=project)
    assert embedding.type == "EMBEDDING" and embedding.output is None
    assert embedding.input_tokens == 3 and embedding.total_cost == 3 * Decimal("2e-8")


def test_a_call_into_a_given_trace_leaves_that_trace_as_it_was(project, fake_provider):
    batch = [
        {
            "id": "e1",
            "type": "trace-create",
            "timestamp": "2026-01-01T00:00:00Z",
            "body": {"id": "t-user", "name": "chat"},
        }
    ]
    assert not ingest_batch(project=project, batch=batch).errors
    connection = make_connection(project, fake_provider)

    result = calls.complete(connection=connection, request=ask("gpt-4o"), trace=target(project, trace_id="t-user"))

    assert result.trace_id == "t-user"
    trace = Trace.objects.get(project=project, id="t-user")
    assert (trace.name, trace.environment) == ("chat", "default")
    assert Observation.objects.get(project=project).trace_id == "t-user"


def test_calls_are_traced_into_their_own_project_only(project, other_project, fake_provider):
    connection = make_connection(other_project, fake_provider)
    calls.complete(connection=connection, request=ask("gpt-4o"), trace=target(other_project))
    assert not Trace.objects.filter(project=project).exists()
    assert Trace.objects.filter(project=other_project).count() == 1
