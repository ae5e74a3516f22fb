"""Media uploads under gunicorn: chunked bodies past the API's body limit reach storage; past the media limit, 413."""

import hashlib
import http.client
import json
import os
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
import requests

from bench.server import production_server
from tests.observability.factories import media_announcement

MEDIA_LIMIT = 12 * 1024 * 1024
API_LIMIT = 10 * 1024 * 1024


@contextmanager
def environment(**values):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def media_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media-server")
    settings = {
        "AISTRALE_MEDIA_ROOT": str(folder / "media"),
        "AISTRALE_MAX_MEDIA_BYTES": str(MEDIA_LIMIT),
        "AISTRALE_MAX_BODY_BYTES": str(API_LIMIT),
    }
    with (
        environment(**settings),
        production_server(database_url=f"sqlite:///{folder / 'db.sqlite3'}", workers=2) as server,
    ):
        yield server


def chunked_put(url: str, body: bytes, content_type: str, chunk: int = 1024 * 1024) -> tuple[int, bytes]:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    pieces = (body[i : i + chunk] for i in range(0, len(body), chunk))
    connection.request("PUT", parsed.path, body=pieces, headers={"Content-Type": content_type}, encode_chunked=True)
    response = connection.getresponse()
    status, content = response.status, response.read()
    connection.close()
    return status, content


def announce(server, content: bytes) -> dict:
    body = media_announcement(content, "application/octet-stream")
    response = requests.post(
        f"{server.url}/api/public/media", json=body, auth=(server.public_key, server.secret_key), timeout=10
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_chunked_upload_past_the_api_body_limit_is_stored(media_server):
    content = os.urandom(API_LIMIT + 1024 * 1024)
    announced = announce(media_server, content)
    status, body = chunked_put(announced["uploadUrl"], content, "application/octet-stream")
    assert status == 200, body
    media = requests.get(
        f"{media_server.url}/api/public/media/{announced['mediaId']}",
        auth=(media_server.public_key, media_server.secret_key),
        timeout=10,
    ).json()
    assert media["contentLength"] == len(content)
    download = requests.get(media["url"], timeout=30)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(content).digest()


def test_a_chunked_upload_past_the_media_limit_is_413(media_server):
    content = os.urandom(MEDIA_LIMIT + 1)
    announced = announce(media_server, content[:1000])
    status, body = chunked_put(announced["uploadUrl"], content, "application/octet-stream")
    assert status == 413
    assert json.loads(body)["message"] == f"Request body is larger than the {MEDIA_LIMIT} bytes allowed"
    unfinished = requests.get(
        f"{media_server.url}/api/public/media/{announced['mediaId']}",
        auth=(media_server.public_key, media_server.secret_key),
        timeout=10,
    )
    assert unfinished.status_code == 404 and unfinished.json()["message"] == "Media not yet uploaded"
