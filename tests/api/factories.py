"""A project filled through the public API with every kind of object the read endpoints return: a rich trace
(observations of every type, a priced generation linked to a prompt, scores of each data type on the trace, an
observation and the session), a bare trace with nothing optional set, text and chat prompts, a tiered model
and a stored image."""

from dataclasses import dataclass

from observability.models import ObservationType
from tests.observability.factories import make_media

TRACE = "shape-trace"
BARE_TRACE = "shape-bare"
SESSION = "shape-session"
TEXT_PROMPT = "shape-text"
CHAT_PROMPT = "shape-chat"
GENERATION = "shape-generation"
START = "2026-03-04T05:06:07.123456Z"


@dataclass(frozen=True)
class ShapeData:
    """The ids the examples of the response-shape test fill path parameters with."""

    project_id: str
    trace_id: str = TRACE
    bare_trace_id: str = BARE_TRACE
    session_id: str = SESSION
    generation_id: str = GENERATION
    span_id: str = f"{TRACE}-span"
    text_prompt: str = TEXT_PROMPT
    chat_prompt: str = CHAT_PROMPT
    model_id: str = ""
    score_ids: tuple[str, ...] = ()
    media_id: str = ""
    config_id: str = ""
    comment_id: str = ""
    queue_id: str = ""
    queue_item_id: str = ""
    dataset_name: str = "shapes/qa"
    dataset_id: str = ""
    dataset_item_id: str = "shape-item"
    run_name: str = "shape-run"
    dashboard_id: str = ""
    widget_id: str = ""


def _event(index: int, event_type: str, body: dict) -> dict:
    return {"id": f"shape-event-{index}", "type": event_type, "timestamp": START, "body": body}


def _observations() -> list[tuple[str, dict]]:
    root = f"{TRACE}-root"
    bodies = [
        ("observation-create", {"id": root, "type": "AGENT", "name": "agent", "endTime": "2026-03-04T05:06:09Z"}),
        (
            "generation-create",
            {
                "id": GENERATION,
                "parentObservationId": root,
                "name": "answer",
                "model": "shape-model",
                "modelParameters": {"temperature": 0.2, "max_tokens": 256},
                "input": [{"role": "user", "content": "hi"}],
                "output": {"role": "assistant", "content": "hello"},
                "metadata": {"attempt": 1},
                "completionStartTime": "2026-03-04T05:06:07.523456Z",
                "endTime": "2026-03-04T05:06:08.123456Z",
                "usageDetails": {"input": 120, "output": 30},
                "costDetails": {"input": 0.0012, "output": 0.0009},
                "promptName": TEXT_PROMPT,
                "promptVersion": 1,
                "level": "WARNING",
                "statusMessage": "slow",
                "version": "v2",
            },
        ),
        (
            "observation-create",
            {
                "id": f"{TRACE}-embedding",
                "type": "EMBEDDING",
                "parentObservationId": root,
                "model": "text-embedding-3-small",
                "usageDetails": {"prompt_tokens": 8, "total_tokens": 8},
            },
        ),
        ("span-create", {"id": f"{TRACE}-span", "parentObservationId": root, "name": "step"}),
        ("event-create", {"id": f"{TRACE}-event", "parentObservationId": root, "name": "clicked"}),
    ]
    typed = {"AGENT", "GENERATION", "EMBEDDING", "SPAN", "EVENT"}
    bodies += [
        (
            "observation-create",
            {"id": f"{TRACE}-{kind.lower()}", "type": kind, "parentObservationId": root, "name": kind.lower()},
        )
        for kind in ObservationType.values
        if kind not in typed
    ]
    return [(event_type, {"traceId": TRACE, "startTime": START, **body}) for event_type, body in bodies]


SCORES = [
    {"id": "shape-score-numeric", "traceId": TRACE, "name": "quality", "value": 0.75, "comment": "ok"},
    {
        "id": "shape-score-categorical",
        "traceId": TRACE,
        "observationId": GENERATION,
        "name": "tone",
        "value": "friendly",
        "dataType": "CATEGORICAL",
        "metadata": {"reviewer": "bot"},
    },
    {"id": "shape-score-boolean", "traceId": TRACE, "name": "correct", "value": 1, "dataType": "BOOLEAN"},
    {"id": "shape-score-text", "traceId": TRACE, "name": "note", "value": "fine answer", "dataType": "TEXT"},
    {"id": "shape-score-session", "sessionId": SESSION, "name": "session-quality", "value": 3},
]


def _post(client, path: str, body, status: int = 200) -> dict:
    response = client.post(path, body, format="json")
    assert response.status_code == status, (path, response.content)
    return response.json()


def shape_data(client, project) -> ShapeData:
    """Fill `project` (whose key `client` holds) through the public API; the ids of what was made."""
    _post(
        client,
        "/api/public/v2/prompts",
        {
            "name": TEXT_PROMPT,
            "prompt": "Hi {{name}}",
            "config": {"temperature": 0.2},
            "labels": ["production"],
            "tags": ["b-tag", "a-tag"],
            "commitMessage": "first",
        },
    )
    _post(
        client,
        "/api/public/v2/prompts",
        {
            "name": CHAT_PROMPT,
            "type": "chat",
            "labels": ["production"],
            "prompt": [
                {"role": "system", "content": "Be brief"},
                {"type": "placeholder", "name": "history"},
            ],
        },
    )
    model = _post(
        client,
        "/api/public/models",
        {
            "modelName": "shape-model",
            "matchPattern": "(?i)^shape-model$",
            "unit": "TOKENS",
            "tokenizerId": "openai",
            "tokenizerConfig": {"tokensPerMessage": 3},
            "pricingTiers": [
                {"name": "Standard", "isDefault": True, "priority": 0, "prices": {"input": 1e-05, "output": 3e-05}},
                {
                    "name": "Large context",
                    "priority": 1,
                    "conditions": [{"usageDetailPattern": "input", "operator": "gt", "value": 200000}],
                    "prices": {"input": 2e-05, "output": 6e-05},
                },
            ],
        },
    )
    trace = {
        "id": TRACE,
        "timestamp": START,
        "name": "chat",
        "userId": "user-1",
        "sessionId": SESSION,
        "release": "r1",
        "version": "v1",
        "input": {"question": "hi"},
        "output": {"answer": "hello"},
        "metadata": {"source": "shapes"},
        "tags": ["zeta", "alpha", "mid"],
        "public": True,
        "environment": "staging",
    }
    events = [
        ("trace-create", trace),
        ("trace-create", {"id": BARE_TRACE, "timestamp": START}),
        ("span-create", {"id": f"{BARE_TRACE}-open", "traceId": BARE_TRACE, "startTime": START}),
        *_observations(),
        *[("score-create", score) for score in SCORES],
    ]
    result = _post(
        client,
        "/api/public/ingestion",
        {"batch": [_event(index, event_type, body) for index, (event_type, body) in enumerate(events)]},
        status=207,
    )
    assert not result["errors"], result["errors"]
    media, _ = make_media(project, b"\x89PNG shape", "image/png", trace_id=TRACE)
    config = _post(
        client,
        "/api/public/score-configs",
        {"name": "tone", "dataType": "CATEGORICAL", "categories": [{"label": "kind", "value": 1}]},
    )
    queue = _post(
        client,
        "/api/public/annotation-queues",
        {"name": "review", "description": "weekly review", "scoreConfigIds": [config["id"]]},
    )
    queue_item = _post(
        client, f"/api/public/annotation-queues/{queue['id']}/items", {"objectId": TRACE, "objectType": "TRACE"}
    )
    comment = _post(
        client,
        "/api/public/comments",
        {"projectId": project.id, "objectType": "TRACE", "objectId": TRACE, "content": "Looks right"},
    )
    response = client.put(
        "/api/public/llm-connections",
        {
            "provider": "shape-openai",
            "adapter": "openai",
            "secretKey": "sk-shape-0123456789",
            "extraHeaders": {"X-A": "1"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    dataset = _post(
        client,
        "/api/public/v2/datasets",
        {"name": "shapes/qa", "description": "shape check", "inputSchema": {"type": "object"}},
    )
    _post(
        client,
        "/api/public/dataset-items",
        {"datasetName": "shapes/qa", "id": "shape-item", "input": {"q": "hi"}, "sourceTraceId": TRACE},
    )
    _post(
        client,
        "/api/public/dataset-run-items",
        {"runName": "shape-run", "datasetItemId": "shape-item", "traceId": TRACE, "metadata": {"m": 1}},
    )
    widget = _post(
        client,
        "/api/public/unstable/dashboard-widgets",
        {
            "name": "shapes",
            "view": "observations",
            "dimensions": [{"field": "providedModelName"}],
            "metrics": [{"measure": "totalCost", "agg": "sum"}],
            "filters": [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}],
            "chartType": "PIVOT_TABLE",
            "chartConfig": {"row_limit": 10, "defaultSort": {"column": "totalCost_sum", "order": "DESC"}},
        },
    )
    dashboard = _post(
        client,
        "/api/public/unstable/dashboards",
        {
            "name": "shapes",
            "definition": {
                "widgets": [
                    {"type": "preset", "presetId": "trace_volume"},
                    {"type": "widget", "widgetId": widget["id"]},
                ]
            },
            "filters": [{"column": "environment", "operator": "=", "value": "default", "type": "string"}],
        },
    )
    return ShapeData(
        project_id=project.id,
        dashboard_id=dashboard["id"],
        widget_id=widget["id"],
        dataset_id=dataset["id"],
        model_id=model["id"],
        score_ids=tuple(score["id"] for score in SCORES),
        media_id=media.id,
        config_id=config["id"],
        comment_id=comment["id"],
        queue_id=queue["id"],
        queue_item_id=queue_item["id"],
    )
