"""trace_tag holds exactly the stored traces' tags, and the trace list counts a tag filter off it."""

import pytest

from observability import services
from observability.models import Trace, TraceTag
from tests.observability.factories import ingestion_event, make_trace, post_batch

pytestmark = pytest.mark.django_db

TRACES = "/api/public/traces"
LONG_TAG = "x" * (TraceTag.INDEXED_LENGTH + 1)


def stored_tags(project) -> set[tuple[str, str]]:
    return {(row.trace.id, row.tag) for row in TraceTag.objects.filter(project=project).select_related("trace")}


def trace_event(event_id, trace_id, **body):
    return ingestion_event(event_id, "trace-create", {"id": trace_id, **body})


def test_ingestion_keeps_trace_tag_equal_to_the_traces_tags(api_client, project):
    post_batch(api_client, trace_event("e1", "t1", tags=["a", "b", "a"]), trace_event("e2", "t2", name="untagged"))
    assert stored_tags(project) == {("t1", "a"), ("t1", "b")}
    post_batch(api_client, trace_event("e3", "t1", tags=["c"]), trace_event("e4", "t2", tags=["a"]))
    expected = {(trace.id, tag) for trace in Trace.objects.filter(project=project) for tag in trace.tags}
    assert stored_tags(project) == expected
    assert ("t2", "a") in expected


def test_an_orm_save_replaces_the_rows_and_deletion_removes_them(project):
    trace = make_trace(project, "t1", tags=["a", "b"])
    trace.tags = ["b", "c"]
    trace.save()
    assert stored_tags(project) == {("t1", "b"), ("t1", "c")}
    services.trace_delete_many(project=project, trace_ids=["t1"])
    assert stored_tags(project) == set()


def test_long_and_non_string_tags_stay_out(project):
    make_trace(project, "t1", tags=["a", LONG_TAG, 7])
    assert stored_tags(project) == {("t1", "a")}


def test_tags_of_another_project_are_not_counted(api_client, project, other_project):
    make_trace(project, "t1", tags=["a"])
    make_trace(other_project, "t1", tags=["a"])
    make_trace(other_project, "t2", tags=["a"])
    assert api_client.get(TRACES, {"tags": "a"}).json()["meta"]["totalItems"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"tags": "a"},
        {"tags": ["a", "b"]},
        {"tags": ["a", "a"]},
        {"tags": "missing"},
        {"tags": "a", "name": "chat"},
        {"tags": "a", "page": 2, "limit": 1},
        {"tags": "a", "orderBy": "name.asc"},
        {"tags": LONG_TAG},
    ],
)
def test_the_tag_filtered_list_counts_the_rows_it_pages(api_client, project, params):
    make_trace(project, "t1", tags=["a", "b"], name="chat")
    make_trace(project, "t2", tags=["a"], name="chat")
    make_trace(project, "t3", tags=["b", "a", LONG_TAG], name="other")
    make_trace(project, "t4", tags=[])
    every = api_client.get(TRACES, {**params, "page": 1, "limit": 50}).json()
    page = api_client.get(TRACES, params).json()
    assert page["meta"]["totalItems"] == len(every["data"])
    wanted = set(params["tags"] if isinstance(params["tags"], list) else [params["tags"]])
    assert all(wanted <= set(trace["tags"]) for trace in every["data"])
    held = [trace.id for trace in Trace.objects.filter(project=project) if wanted <= set(trace.tags)]
    assert len(every["data"]) == len(held if "name" not in params else [i for i in held if i != "t3"])
