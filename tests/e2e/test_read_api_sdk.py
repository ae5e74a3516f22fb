"""The installed langfuse SDK's API client reads and deletes traces on a live server."""

import pytest

from observability.models import Observation, Trace
from tests.observability.factories import make_llm_trace, make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_reads_v2_observations_with_cursor_and_field_groups(langfuse, project):
    make_llm_trace(project, "t1", user_id="u1", session_id="s1", tags=["prod"])
    make_llm_trace(project, "t2")
    first = langfuse.api.observations.get_many(trace_id="t1", limit=2, fields="basic,usage,model,trace_context")
    assert len(first.data) == 2 and first.meta.cursor
    rest = langfuse.api.observations.get_many(
        trace_id="t1", limit=2, cursor=first.meta.cursor, fields="basic,usage,model,trace_context"
    )
    observations = {o.id: o for o in [*first.data, *rest.data]}
    assert set(observations) == {"t1-root", "t1-ret", "t1-gen"}
    assert rest.meta.cursor is None
    generation = observations["t1-gen"]
    assert generation.type == "GENERATION"
    assert generation.parent_observation_id == "t1-root"
    assert generation.model == "gpt-4o"
    assert generation.usage_details == {"input": 120, "output": 30, "total": 150}
    assert generation.total_cost == pytest.approx(0.0006)
    assert (generation.user_id, generation.session_id, generation.tags) == ("u1", "s1", ["prod"])
    assert generation.start_time.microsecond == 723456


def test_sdk_filters_v2_observations(langfuse, project):
    make_llm_trace(project, "t1", session_id="s1")
    make_llm_trace(project, "t2", session_id="s2")
    roots = langfuse.api.observations.get_many(session_id="s2", is_root_observation=True)
    assert [o.id for o in roots.data] == ["t2-root"]
    generations = langfuse.api.observations.get_many(type="GENERATION", fields="io")
    assert sorted(o.id for o in generations.data) == ["t1-gen", "t2-gen"]
    assert generations.data[0].input == '[{"role":"user","content":"hi"}]'


def test_sdk_deletes_traces(langfuse, project):
    for trace_id in ("a", "b", "c"):
        make_llm_trace(project, trace_id)
    make_trace(project, "keep")
    assert langfuse.api.trace.delete("a").message == "Trace deleted successfully"
    assert langfuse.api.trace.delete_multiple(trace_ids=["b", "c"]).message == "Deleted 2 of 2 traces"
    assert list(Trace.objects.values_list("id", flat=True)) == ["keep"]
    assert not Observation.objects.exists()


def test_sdk_gets_404_for_unknown_trace(langfuse):
    from langfuse.api.core.api_error import ApiError

    with pytest.raises(ApiError) as raised:
        langfuse.api.trace.delete("missing")
    assert raised.value.status_code == 404


def test_sdk_v1_read_clients_list_and_get(langfuse, project):
    """SDK 4.x has the v1 read clients (trace, sessions, legacy observations); 5.x dropped them."""
    if not hasattr(langfuse.api.trace, "get"):
        pytest.skip("this langfuse SDK has no v1 read clients (5.x); scripts/test runs this with 4.x")
    make_llm_trace(project, "t1", user_id="u1", session_id="s1", tags=["prod"])
    make_trace(project, "t0", user_id="u2", session_id="s1")
    listed = langfuse.api.trace.list(user_id="u1", tags=["prod"], order_by="timestamp.asc", limit=10)
    assert [trace.id for trace in listed.data] == ["t1"] and listed.meta.total_items == 1
    trace = langfuse.api.trace.get("t1")
    assert trace.latency == pytest.approx(2.5) and trace.total_cost == pytest.approx(0.0006)
    assert [(o.id, o.parent_observation_id, o.type) for o in trace.observations] == [
        ("t1-root", None, "AGENT"),
        ("t1-ret", "t1-root", "RETRIEVER"),
        ("t1-gen", "t1-root", "GENERATION"),
    ]
    assert trace.observations[2].usage_details == {"input": 120, "output": 30, "total": 150}
    assert [session.id for session in langfuse.api.sessions.list().data] == ["s1"]
    assert [t.id for t in langfuse.api.sessions.get("s1").traces] == ["t1", "t0"]
    observations = langfuse.api.legacy.observations_v1.get_many(trace_id="t1", type="GENERATION")
    assert [o.id for o in observations.data] == ["t1-gen"]
    assert langfuse.api.legacy.observations_v1.get("t1-gen").time_to_first_token == pytest.approx(0.3)
