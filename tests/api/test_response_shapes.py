"""Every GET endpoint the Langfuse reference spec and our URLconf share answers the spec's 200 body, strictly:
every property the spec lists is present (null when unset) with the right type, and the installed langfuse
SDK parses it with its own models. New endpoints are picked up from the URLconf; each needs an example below."""

import json

import pydantic
import pytest

from observability.api.legacy_usage import legacy_tokens
from tests.api import spec_shapes
from tests.api.factories import ShapeData, shape_data

V2_OBSERVATION_GROUPS = "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context"
SINCE = {"fromStartTime": "2000-01-01T00:00:00Z"}


def metrics_query(view: str) -> str:
    return json.dumps(
        {
            "view": view,
            "metrics": [{"measure": "count", "aggregation": "count"}],
            "fromTimestamp": "2000-01-01T00:00:00Z",
            "toTimestamp": "2100-01-01T00:00:00Z",
        }
    )


# {spec path: data -> [(path parameters, query)]}: the requests each endpoint is checked with.
EXAMPLES = {
    "/api/public/health": lambda d: [({}, {})],
    "/api/public/projects": lambda d: [({}, {})],
    "/api/public/traces": lambda d: [({}, {}), ({}, {"fields": "core"})],
    "/api/public/traces/{traceId}": lambda d: [
        ({"traceId": d.trace_id}, {}),
        ({"traceId": d.bare_trace_id}, {}),
        ({"traceId": d.trace_id}, {"fields": "core,metrics"}),
    ],
    "/api/public/observations": lambda d: [({}, {}), ({}, {"traceId": d.bare_trace_id})],
    "/api/public/observations/{observationId}": lambda d: [
        ({"observationId": d.generation_id}, {}),
        ({"observationId": d.span_id}, {}),
    ],
    "/api/public/v2/observations": lambda d: [({}, {"fields": V2_OBSERVATION_GROUPS})],
    "/api/public/sessions": lambda d: [({}, {})],
    "/api/public/sessions/{sessionId}": lambda d: [({"sessionId": d.session_id}, {})],
    "/api/public/models": lambda d: [({}, {})],
    "/api/public/models/{id}": lambda d: [({"id": d.model_id}, {})],
    "/api/public/v2/prompts": lambda d: [({}, {})],
    "/api/public/v2/prompts/{promptName}": lambda d: [
        ({"promptName": d.text_prompt}, {}),
        ({"promptName": d.chat_prompt}, {}),
    ],
    "/api/public/v2/scores": lambda d: [({}, {})],
    "/api/public/v2/scores/{scoreId}": lambda d: [({"scoreId": score_id}, {}) for score_id in d.score_ids],
    "/api/public/v3/scores": lambda d: [({}, {"fields": "details,subject,annotation"})],
    "/api/public/media/{mediaId}": lambda d: [({"mediaId": d.media_id}, {})],
    "/api/public/score-configs": lambda d: [({}, {})],
    "/api/public/llm-connections": lambda d: [({}, {})],
    "/api/public/comments": lambda d: [({}, {}), ({}, {"objectType": "TRACE", "objectId": d.trace_id})],
    "/api/public/comments/{commentId}": lambda d: [({"commentId": d.comment_id}, {})],
    "/api/public/annotation-queues": lambda d: [({}, {})],
    "/api/public/annotation-queues/{queueId}": lambda d: [({"queueId": d.queue_id}, {})],
    "/api/public/annotation-queues/{queueId}/items": lambda d: [({"queueId": d.queue_id}, {})],
    "/api/public/annotation-queues/{queueId}/items/{itemId}": lambda d: [
        ({"queueId": d.queue_id, "itemId": d.queue_item_id}, {})
    ],
    "/api/public/score-configs/{configId}": lambda d: [({"configId": d.config_id}, {})],
    "/api/public/v2/datasets": lambda d: [({}, {})],
    "/api/public/v2/datasets/{datasetName}": lambda d: [({"datasetName": d.dataset_name}, {})],
    "/api/public/dataset-items": lambda d: [
        ({}, {}),
        ({}, {"datasetName": d.dataset_name, "version": "2100-01-01T00:00:00Z"}),
    ],
    "/api/public/dataset-items/{id}": lambda d: [({"id": d.dataset_item_id}, {})],
    "/api/public/datasets/{datasetName}/runs": lambda d: [({"datasetName": d.dataset_name}, {})],
    "/api/public/datasets/{datasetName}/runs/{runName}": lambda d: [
        ({"datasetName": d.dataset_name, "runName": d.run_name}, {})
    ],
    "/api/public/experiments": lambda d: [({}, SINCE), ({}, SINCE | {"fields": "core,metadata,scores"})],
    "/api/public/experiment-items": lambda d: [
        ({}, SINCE),
        ({}, SINCE | {"fields": "core,dataset,io,metadata,itemMetadata,experimentMetadata,scores"}),
    ],
    "/api/public/metrics": lambda d: [({}, {"query": metrics_query("traces")})],
    "/api/public/v2/metrics": lambda d: [({}, {"query": metrics_query("observations")})],
    "/api/public/unstable/dashboards": lambda d: [({}, {})],
    "/api/public/unstable/dashboard-widgets": lambda d: [({}, {})],
    "/api/public/unstable/dashboard-widgets/{widgetId}": lambda d: [({"widgetId": d.widget_id}, {})],
    "/api/public/unstable/dashboards/{dashboardId}": lambda d: [({"dashboardId": d.dashboard_id}, {})],
    "/api/public/dataset-run-items": lambda d: [({}, {"datasetId": d.dataset_id, "runName": d.run_name})],
}


@pytest.fixture
def data(api_client, project) -> ShapeData:
    return shape_data(api_client, project)


def example_requests(path: str, data: ShapeData) -> list[tuple[str, dict]]:
    if path not in EXAMPLES:
        pytest.fail(
            f"GET {path} is routed and in the Langfuse spec but has no example: add one to EXAMPLES in "
            f"{__name__} (and the rows it reads to tests/api/factories.py) so its response shape is checked"
        )
    return [(path.format(**parameters), query) for parameters, query in EXAMPLES[path](data)]


def items_of(body) -> list:
    return body["data"] if isinstance(body, dict) and isinstance(body.get("data"), list) else [body]


@pytest.mark.django_db
@pytest.mark.parametrize("path", spec_shapes.shared_get_paths())
def test_response_has_every_field_of_the_reference(path, api_client, data):
    strict = spec_shapes.response_schema(path)
    for url, query in example_requests(path, data):
        response = api_client.get(url, query)
        assert response.status_code == 200, (url, query, response.content)
        body = response.json()
        assert items_of(body), f"{url} {query}: an empty page checks nothing; add rows to tests/api/factories.py"
        violations = spec_shapes.schema_violations(body, strict)
        assert not violations, f"GET {url} {query} breaks the reference:\n" + "\n".join(violations)
        parsed = spec_shapes.sdk_parse(path, body)
        if spec_shapes.normalized(path) in spec_shapes.sdk_response_types():
            assert parsed is not None


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["", *V2_OBSERVATION_GROUPS.split(",")])
def test_each_v2_observation_field_group_has_the_reference_types(group, api_client, data):
    """Fields outside the requested groups are left out (as the reference says), the rest typed as listed."""
    body = api_client.get("/api/public/v2/observations", {"fields": group}).json()
    schema = spec_shapes.response_schema("/api/public/v2/observations", strict=False)
    assert body["data"] and spec_shapes.schema_violations(body, schema) == []
    spec_shapes.sdk_parse("/api/public/v2/observations", body)


@pytest.mark.parametrize("path", spec_shapes.shared_get_paths())
def test_every_field_the_sdk_reads_is_checked(path):
    """A field the installed SDK's models read beyond the spec must join LANGFUSE_FIELDS, so it is checked too."""
    assert spec_shapes.sdk_fields_beyond_spec(path) == {}


def test_an_endpoint_without_an_example_fails_naming_what_to_add():
    with pytest.raises(pytest.fail.Exception, match="GET /api/public/no-such-endpoint .* add one to EXAMPLES"):
        example_requests("/api/public/no-such-endpoint", None)


def test_the_routed_endpoints_are_found_in_the_urlconf():
    shared = spec_shapes.shared_get_paths()
    assert {"/api/public/traces/{traceId}", "/api/public/v2/prompts/{promptName}", "/api/public/health"} <= set(shared)
    assert not spec_shapes.routes_get("/api/public/projects/{projectId}/apiKeys")
    assert not spec_shapes.routes_get("/api/public/scim/Users/{userId}")


def test_strict_schemas_flag_a_missing_listed_field_a_wrong_type_and_a_naive_time():
    schema = spec_shapes.response_schema("/api/public/health")
    assert spec_shapes.schema_violations({"status": "OK", "version": "1"}, schema) == []
    assert spec_shapes.schema_violations({"status": "OK"}, schema) == ["$: 'version' is a required property"]
    projects = spec_shapes.response_schema("/api/public/projects")
    project = {"id": "p", "name": "n", "organization": {"id": "o", "name": "O"}, "metadata": {}}
    assert spec_shapes.schema_violations({"data": [project]}, projects) == [], "retentionDays is documented as omitted"
    assert spec_shapes.schema_violations({"data": [{**project, "metadata": None}]}, projects) == [
        "$.data[0].metadata: None is not of type 'object'"
    ]
    trace = spec_shapes.response_schema("/api/public/sessions/{sessionId}")
    body = {"id": "s", "createdAt": "2026-01-01T00:00:00", "projectId": "p", "environment": "default", "traces": []}
    violations = spec_shapes.schema_violations(body, trace)
    assert "$: 'traces' is a required property" not in violations
    assert not any("_deprecation" in violation for violation in violations), "Langfuse Cloud only"
    assert "$.createdAt: '2026-01-01T00:00:00' is not a 'date-time'" in violations


def test_the_sdk_parser_refuses_a_body_its_model_does_not_fit():
    assert spec_shapes.sdk_parse("/api/public/health", {"status": "OK", "version": "1"}).version == "1"
    with pytest.raises(pydantic.ValidationError):
        spec_shapes.sdk_parse("/api/public/health", {"status": "OK"})
    assert spec_shapes.sdk_parse("/api/public/scim/Nothing", {}) is None


@pytest.mark.django_db
def test_trace_tags_read_back_sorted(api_client, data):
    expected = ["alpha", "mid", "zeta"]
    assert api_client.get(f"/api/public/traces/{data.trace_id}").json()["tags"] == expected
    listed = {trace["id"]: trace for trace in api_client.get("/api/public/traces").json()["data"]}
    assert listed[data.trace_id]["tags"] == expected
    session = api_client.get(f"/api/public/sessions/{data.session_id}").json()
    assert session["traces"][0]["tags"] == expected
    observations = api_client.get("/api/public/v2/observations", {"fields": "trace_context", "traceId": data.trace_id})
    assert {tuple(o["tags"]) for o in observations.json()["data"]} == {tuple(expected)}


@pytest.mark.django_db
def test_observations_carry_the_legacy_usage_fields(api_client, data):
    generation = api_client.get(f"/api/public/observations/{data.generation_id}").json()
    assert (generation["promptTokens"], generation["completionTokens"], generation["totalTokens"]) == (120, 30, 150)
    assert generation["unit"] == "TOKENS"
    assert generation["usage"].items() >= {"input": 120, "output": 30, "total": 150, "unit": "TOKENS"}.items()
    embedding = api_client.get(f"/api/public/observations/{data.trace_id}-embedding").json()
    assert (embedding["promptTokens"], embedding["completionTokens"], embedding["totalTokens"]) == (8, 0, 8)
    span = api_client.get(f"/api/public/observations/{data.span_id}").json()
    assert (span["promptTokens"], span["completionTokens"], span["totalTokens"]) == (0, 0, 0)
    assert span["usage"].items() >= {"input": 0, "output": 0, "total": 0}.items()


@pytest.mark.django_db
def test_unset_fields_read_back_null(api_client, data):
    trace = api_client.get(f"/api/public/traces/{data.bare_trace_id}").json()
    assert trace["externalId"] is None and trace["name"] is None and trace["sessionId"] is None
    scores = api_client.get(f"/api/public/traces/{data.trace_id}").json()["scores"]
    numeric = next(score for score in scores if score["dataType"] == "NUMERIC")
    assert numeric["stringValue"] is None and numeric["observationId"] is None


@pytest.mark.parametrize(
    ("usage_details", "expected"),
    [
        ({"input": 120, "output": 30, "total": 150}, (120, 30, 150)),
        ({"input": 100, "input_cached_tokens": 20, "output": 5, "total": 125}, (120, 5, 125)),
        ({"prompt_tokens": 10, "completion_tokens": 20, "total": 30}, (10, 20, 30)),
        ({"promptTokens": 3, "completionTokens": 4, "totalTokens": 7}, (3, 4, 7)),
        ({"input_tokens": 5, "output_tokens": 7, "total": 12}, (5, 7, 12)),
        ({"prompt_tokens": 8, "total_tokens": 8}, (8, 0, 8)),
        ({}, (0, 0, 0)),
        (None, (0, 0, 0)),
    ],
)
def test_legacy_tokens_follow_langfuse_and_openai_usage_keys(usage_details, expected):
    tokens = legacy_tokens(usage_details)
    assert (tokens["input"], tokens["output"], tokens["total"]) == expected
