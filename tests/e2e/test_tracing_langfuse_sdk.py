"""The real langfuse SDK (OTLP exporter inside) against a live server: decorators, propagation, scores."""

from decimal import Decimal

import pytest
import requests
from langfuse import Langfuse, observe, propagate_attributes
from langfuse._client.resource_manager import LangfuseResourceManager

from evals.models import Score
from observability.models import Observation, Session, Trace
from tests.background import wait_for


@pytest.fixture
def langfuse_client(live_server, key_pair, model_prices):
    public_key, secret_key = key_pair
    client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url, environment="e2e")
    yield client
    client.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


@pytest.fixture
def read_trace(live_server, key_pair):
    """GET /api/public/traces/{id}, the read API as any HTTP client sees it."""

    def read(trace_id):
        response = requests.get(f"{live_server.url}/api/public/traces/{trace_id}", auth=key_pair, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    return read


@observe(as_type="retriever")
def retrieve(query):
    return ["doc-1", "doc-2"]


@observe(as_type="generation", name="answer-llm")
def generate(client, question, documents):
    client.update_current_generation(
        model="gpt-4o",
        usage_details={"input": 1000, "output": 100},
        model_parameters={"temperature": 0.1},
        metadata={"attempt": 1},
    )
    return f"answer to {question} from {len(documents)} docs"


@observe(name="agent", as_type="agent")
def agent(client, question):
    with propagate_attributes(
        user_id="user-7", session_id="session-7", tags=["e2e", "sdk"], trace_name="qa", metadata={"tenant": "acme"}
    ):
        documents = retrieve(question)
        return generate(client, question, documents)


@pytest.mark.django_db(transaction=True)
def test_observe_nested_functions_with_generation_and_propagated_attributes(langfuse_client, read_trace, project):
    public_key = langfuse_client._resources.public_key
    answer = agent(langfuse_client, "why?", langfuse_public_key=public_key)
    langfuse_client.flush()
    wait_for(lambda: Observation.objects.filter(project=project).count() == 3)

    root = Observation.objects.get(project=project, parent_observation_id=None)
    children = {o.name: o for o in Observation.objects.filter(project=project, parent_observation_id=root.id)}
    assert root.name == "agent" and root.type == "AGENT"
    assert set(children) == {"retrieve", "answer-llm"}
    assert children["retrieve"].type == "RETRIEVER" and children["retrieve"].output == ["doc-1", "doc-2"]

    generation = children["answer-llm"]
    assert generation.type == "GENERATION" and generation.model == "gpt-4o"
    assert generation.usage_details == {"input": 1000, "output": 100, "total": 1100}
    assert generation.total_cost == Decimal("0.0035")
    assert generation.cost_details == {"input": 0.0025, "output": 0.001, "total": 0.0035}
    assert generation.model_parameters == {"temperature": 0.1}
    assert generation.metadata["attempt"] == 1
    assert generation.output == answer and generation.environment == "e2e"
    assert generation.end_time >= generation.start_time >= root.start_time

    trace = Trace.objects.get(project=project, id=root.trace_id)
    assert (trace.name, trace.user_id, trace.session_id) == ("qa", "user-7", "session-7")
    assert sorted(trace.tags) == ["e2e", "sdk"]
    assert trace.metadata == {"tenant": "acme"}
    assert trace.environment == "e2e" and trace.output == answer
    assert trace.timestamp == root.start_time
    assert Session.objects.filter(project=project, id="session-7").exists()

    read = read_trace(trace.id)
    assert (read["name"], read["userId"], read["sessionId"]) == ("qa", "user-7", "session-7")
    assert sorted(o["type"] for o in read["observations"]) == ["AGENT", "GENERATION", "RETRIEVER"]
    assert read["totalCost"] == pytest.approx(0.0035)


@pytest.mark.django_db(transaction=True)
def test_context_managers_events_errors_and_scores(langfuse_client, read_trace, project):
    with langfuse_client.start_as_current_observation(name="pipeline", input={"q": 1}) as span:
        span.update(output={"a": 2}, metadata={"stage": "final"})
        langfuse_client.create_event(name="cache-miss", input={"key": "k"})
        with langfuse_client.start_as_current_observation(as_type="tool", name="search") as tool:
            tool.update(level="ERROR", status_message="timeout")
        span.score(name="quality", value=0.9, comment="good")
        span.score_trace(name="verdict", value="pass", data_type="CATEGORICAL")
        trace_id = span.trace_id
    langfuse_client.flush()
    wait_for(lambda: Observation.objects.filter(project=project).count() == 3 and Score.objects.count() == 2)

    rows = {o.name: o for o in Observation.objects.filter(project=project)}
    assert rows["cache-miss"].type == "EVENT" and rows["cache-miss"].input == {"key": "k"}
    assert rows["search"].type == "TOOL" and rows["search"].level == "ERROR"
    assert rows["search"].status_message == "timeout"
    assert rows["pipeline"].metadata["stage"] == "final"
    trace = Trace.objects.get(project=project, id=trace_id)
    assert (trace.name, trace.input, trace.output) == ("pipeline", {"q": 1}, {"a": 2})

    quality = Score.objects.get(project=project, name="quality")
    assert (quality.value, quality.observation_id, quality.trace_id) == (0.9, rows["pipeline"].id, trace_id)
    verdict = Score.objects.get(project=project, name="verdict")
    assert (verdict.string_value, verdict.data_type, verdict.observation_id) == ("pass", "CATEGORICAL", None)
    read = read_trace(trace_id)
    assert sorted(score["name"] for score in read["scores"]) == ["quality", "verdict"]
