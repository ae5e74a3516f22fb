"""Request bodies at the edge: chunked bodies read under gunicorn or refused with 411, one size limit everywhere."""

import gzip
import http.client
import json
import uuid

import pytest
import requests
from google.rpc.status_pb2 import Status

from tests.clients import basic_auth
from tests.observability.factories import OTLP_URL, otlp_request, otlp_span

INGESTION = "/api/public/ingestion"
SCORES = "/api/public/scores"


def otlp_protobuf(trace_id: str, span_id: str, name: str) -> bytes:
    return otlp_request(otlp_span(span_id, name, trace_id=bytes.fromhex(trace_id)))


def otlp_json(trace_id: str, span_id: str, name: str) -> bytes:
    span = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "startTimeUnixNano": "1763892000000000000",
        "endTimeUnixNano": "1763892001000000000",
    }
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


def chunked_post(url: str, path: str, body: bytes, headers: dict, chunk: int = 1000) -> http.client.HTTPResponse:
    """POST `body` with Transfer-Encoding: chunked and no Content-Length, as the JS SDK's exporter does."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    pieces = (body[i : i + chunk] for i in range(0, len(body), chunk))
    connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_dev_server_answers_411_in_each_endpoints_shape(client):
    def post(path, content_type):
        return client.post(path, b"", content_type=content_type, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")

    for path in (INGESTION, SCORES, "/api/public/v2/prompts", "/api/public/models"):
        response = post(path, "application/json")
        assert response.status_code == 411, path
        assert "chunked" in response.json()["message"]
    response = post(OTLP_URL, "application/x-protobuf")
    assert response.status_code == 411
    status = Status()
    status.ParseFromString(response.content)
    assert "chunked" in status.message


def test_every_endpoint_refuses_a_body_over_the_limit_before_reading_it(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps({"name": "x" * 2000, "value": 1, "traceId": "t"})
    for path in (SCORES, "/api/public/v2/prompts", "/api/public/models", INGESTION):
        response = api_client.post(path, big, content_type="application/json")
        assert response.status_code == 413, path
        assert response.json()["error"] == "PayloadTooLargeError"
        assert "1000 bytes" in response.json()["message"]
    response = api_client.delete("/api/public/traces", big, content_type="application/json")
    assert response.status_code == 413


def test_live_dev_server_answers_411_not_a_silent_200(live_server, key_pair):
    headers = {"Authorization": basic_auth(*key_pair), "Content-Type": "application/x-protobuf"}
    response = chunked_post(live_server.url, OTLP_URL, otlp_protobuf("ab" * 16, "cd" * 8, "dropped"), headers)
    assert response.status == 411
    status = Status()
    status.ParseFromString(response.body)
    assert "Content-Length" in status.message


def stored_observation_names(server, trace_id: str) -> list[str]:
    response = requests.get(
        f"{server.url}/api/public/traces/{trace_id}", auth=(server.public_key, server.secret_key), timeout=10
    )
    assert response.status_code == 200, response.text
    return sorted(observation["name"] for observation in response.json()["observations"])


@pytest.mark.parametrize(
    "content_type,encode,gzipped",
    [
        ("application/x-protobuf", otlp_protobuf, False),
        ("application/x-protobuf", otlp_protobuf, True),
        ("application/json", otlp_json, False),
    ],
)
def test_gunicorn_stores_a_chunked_otlp_request(gunicorn_server, content_type, encode, gzipped):
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    body = encode(trace_id, span_id, "chunked-span")
    headers = {
        "Authorization": basic_auth(gunicorn_server.public_key, gunicorn_server.secret_key),
        "Content-Type": content_type,
    }
    if gzipped:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    response = chunked_post(gunicorn_server.url, OTLP_URL, body, headers, chunk=7)
    assert response.status == 200, response.body
    assert stored_observation_names(gunicorn_server, trace_id) == ["chunked-span"]


def test_gunicorn_stores_chunked_batch_ingestion_and_scores(gunicorn_server):
    trace_id = uuid.uuid4().hex
    headers = {
        "Authorization": basic_auth(gunicorn_server.public_key, gunicorn_server.secret_key),
        "Content-Type": "application/json",
    }
    event = {"id": uuid.uuid4().hex, "type": "trace-create", "timestamp": "2026-12-01T10:00:00Z"}
    batch = {"batch": [{**event, "body": {"id": trace_id, "name": "chunked-trace"}}]}
    response = chunked_post(gunicorn_server.url, INGESTION, json.dumps(batch).encode(), headers)
    assert response.status == 207, response.body
    assert json.loads(response.body)["errors"] == []
    score = {"traceId": trace_id, "name": "quality", "value": 0.5}
    response = chunked_post(gunicorn_server.url, SCORES, json.dumps(score).encode(), headers)
    assert response.status == 200, response.body
    detail = requests.get(
        f"{gunicorn_server.url}/api/public/traces/{trace_id}",
        auth=(gunicorn_server.public_key, gunicorn_server.secret_key),
        timeout=10,
    ).json()
    assert detail["name"] == "chunked-trace"
    assert [score["name"] for score in detail["scores"]] == ["quality"]


def test_gunicorn_refuses_a_chunked_body_over_the_limit(gunicorn_server):
    headers = {
        "Authorization": basic_auth(gunicorn_server.public_key, gunicorn_server.secret_key),
        "Content-Type": "application/json",
    }
    body = json.dumps({"batch": [], "pad": "x" * (10 * 1024 * 1024)}).encode()
    response = chunked_post(gunicorn_server.url, INGESTION, body, headers, chunk=1024 * 1024)
    assert response.status == 413
    assert json.loads(response.body)["error"] == "PayloadTooLargeError"
