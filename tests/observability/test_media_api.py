"""The media API: announce an upload, PUT the bytes to the signed URL, report, read back a download URL."""

import base64
import hashlib
import io
import time
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client

from aistrale.errors import DomainError
from observability.media.services import media_id_for, media_upload_receive
from observability.media.storage import media_storage
from observability.models import Media, MediaLink
from tests.observability.factories import media_announcement

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MEDIA_URL = "/api/public/media"


def announce(client, content=PNG, **fields):
    return client.post(MEDIA_URL, media_announcement(content, **fields), format="json")


def upload_path(response) -> str:
    assert response.status_code == 201, response.content
    return urlparse(response.json()["uploadUrl"]).path


def put(path, content=PNG, content_type="image/png", **headers):
    return Client().put(path, data=content, content_type=content_type, **headers)


def sha256_of(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def stored_files(project) -> list[str]:
    storage = media_storage()
    folder = f"media/{project.pk}"
    return storage.listdir(folder)[1] if storage.exists(folder) else []


def test_upload_round_trip(api_client, project):
    announced = announce(api_client, traceId="t1", observationId="o1")
    body = announced.json()
    assert body["mediaId"] == media_id_for(sha256_of(PNG))
    assert body["uploadUrl"].startswith("http://testserver/api/public/media/upload/")

    put_response = put(upload_path(announced), HTTP_X_AMZ_CHECKSUM_SHA256=sha256_of(PNG))
    assert put_response.status_code == 200, put_response.content
    patched = api_client.patch(
        f"{MEDIA_URL}/{body['mediaId']}",
        {"uploadedAt": "2026-12-01T10:00:00Z", "uploadHttpStatus": 200, "uploadHttpError": "", "uploadTimeMs": 12},
        format="json",
    )
    assert patched.status_code == 204

    media = api_client.get(f"{MEDIA_URL}/{body['mediaId']}").json()
    assert {key: media[key] for key in ("mediaId", "contentType", "contentLength")} == {
        "mediaId": body["mediaId"],
        "contentType": "image/png",
        "contentLength": len(PNG),
    }
    assert media["uploadedAt"] and media["urlExpiry"]
    download = Client().get(urlparse(media["url"]).path)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    stored = Media.objects.get(project=project)
    assert (stored.reported_status, stored.reported_time_ms) == (200, 12)
    assert list(MediaLink.objects.values_list("trace_id", "observation_id", "field")) == [("t1", "o1", "input")]
    assert stored_files(project) == [f"{body['mediaId']}.png"]


def test_identical_bytes_are_stored_once_and_linked_again(api_client, project):
    put(upload_path(announce(api_client, traceId="t1")))
    again = announce(api_client, traceId="t2", field="output")
    assert again.status_code == 201
    assert again.json() == {"mediaId": media_id_for(sha256_of(PNG)), "uploadUrl": None}
    assert Media.objects.count() == 1
    assert sorted(MediaLink.objects.values_list("trace_id", "field")) == [("t1", "input"), ("t2", "output")]
    assert len(stored_files(project)) == 1


def test_announcing_again_before_the_upload_replaces_the_url(api_client):
    first = upload_path(announce(api_client))
    second = upload_path(announce(api_client))
    refused = put(first)
    assert refused.status_code == 403 and "already used or replaced" in refused.json()["message"]
    assert put(second).status_code == 200


def test_media_of_another_project_is_invisible_and_not_shared(api_client, other_client, other_project):
    put(upload_path(announce(api_client)))
    media_id = media_id_for(sha256_of(PNG))
    assert other_client.get(f"{MEDIA_URL}/{media_id}").status_code == 404
    patched = other_client.patch(
        f"{MEDIA_URL}/{media_id}", {"uploadedAt": "2026-12-01T10:00:00Z", "uploadHttpStatus": 200}, format="json"
    )
    assert patched.status_code == 404 and patched.json()["message"] == "Media asset not found"
    theirs = announce(other_client)
    assert theirs.json()["uploadUrl"] is not None
    assert Media.objects.filter(project=other_project, uploaded_at__isnull=True).count() == 1


def test_get_before_the_upload_is_404(api_client):
    announce(api_client)
    response = api_client.get(f"{MEDIA_URL}/{media_id_for(sha256_of(PNG))}")
    assert response.status_code == 404 and response.json()["message"] == "Media not yet uploaded"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contentType": "image/x-unknown"}, "contentType"),
        ({"contentLength": 0}, "contentLength"),
        ({"sha256Hash": "not-a-hash"}, "sha256Hash: must be the base64 SHA-256"),
        ({"sha256Hash": base64.b64encode(b"short").decode()}, "sha256Hash: must be the base64 SHA-256"),
        ({"field": "expectedOutput"}, "field: must be one of input, output, metadata"),
        ({"traceId": None}, "traceId: give traceId, or datasetId and datasetItemId"),
        ({"traceId": None, "observationId": "o1"}, "observationId needs the traceId"),
        ({"datasetId": "d1", "datasetItemId": "i1"}, "not both"),
    ],
)
def test_bad_announcements_are_400_naming_the_field(api_client, change, message):
    response = api_client.post(MEDIA_URL, {**media_announcement(PNG), **change}, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]
    assert not Media.objects.exists()


def test_dataset_item_media_is_linked_to_the_item(api_client):
    body = media_announcement(PNG, traceId=None, datasetId="d1", datasetItemId="i1", field="expectedOutput")
    assert upload_path(api_client.post(MEDIA_URL, body, format="json"))
    assert list(MediaLink.objects.values_list("dataset_id", "dataset_item_id", "field")) == [
        ("d1", "i1", "expectedOutput")
    ]


def test_over_large_announcement_is_400(api_client, settings):
    settings.AISTRALE_MAX_MEDIA_BYTES = 100
    response = announce(api_client)
    assert response.status_code == 400
    assert response.json()["message"] == f"contentLength: must be from 1 to 100 bytes, got {len(PNG)}"
    assert not Media.objects.exists()


def assert_nothing_stored(project):
    media = Media.objects.get(project=project)
    assert media.uploaded_at is None and media.storage_path == ""
    assert stored_files(project) == []


@pytest.mark.parametrize(
    ("content", "content_type", "headers", "message"),
    [
        (PNG, "image/jpeg", {}, "Content-Type 'image/jpeg' differs from the announced 'image/png'"),
        (PNG[:-1], "image/png", {}, f"Content-Length {len(PNG) - 1} differs from the announced {len(PNG)} bytes"),
        (PNG + b"x", "image/png", {}, f"Content-Length {len(PNG) + 1} differs from the announced {len(PNG)} bytes"),
        (PNG[::-1], "image/png", {}, "The bytes' SHA-256 differs from the announced sha256Hash"),
        (
            PNG,
            "image/png",
            {"HTTP_X_AMZ_CHECKSUM_SHA256": sha256_of(b"other")},
            "x-amz-checksum-sha256 differs from the announced sha256Hash",
        ),
    ],
)
def test_bad_uploads_are_400_store_nothing_and_leave_the_url_usable(
    api_client, project, content, content_type, headers, message
):
    path = upload_path(announce(api_client))
    response = put(path, content, content_type, **headers)
    assert response.status_code == 400, response.content
    assert response.json()["message"] == message
    assert_nothing_stored(project)
    assert put(path).status_code == 200


def test_a_body_of_another_length_than_announced_is_refused_without_content_length(api_client, project):
    token = upload_path(announce(api_client)).rsplit("/", 1)[1]
    for body, said in ((PNG[:10], "10"), (PNG + b"extra", "more than " + str(len(PNG)))):
        with pytest.raises(DomainError) as refused:
            media_upload_receive(
                token=token, content_type="image/png", declared_length=None, checksum=None, stream=io.BytesIO(body)
            )
        assert refused.value.message == f"Received {said} bytes, the announcement said {len(PNG)}"
        assert_nothing_stored(project)


def test_reused_upload_url_is_403(api_client, project):
    path = upload_path(announce(api_client))
    assert put(path).status_code == 200
    response = put(path)
    assert response.status_code == 403
    assert response.json()["message"] == "This media upload URL was already used or replaced by a newer one"
    assert len(stored_files(project)) == 1


def test_expired_upload_url_is_403(api_client, project, monkeypatch):
    issued = time.time() - 7200
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    path = upload_path(announce(api_client))
    monkeypatch.undo()
    response = put(path)
    assert response.status_code == 403
    assert response.json()["message"] == "This media upload URL has expired; request a new one"
    assert_nothing_stored(project)


def test_forged_upload_url_is_403(api_client, project):
    path = upload_path(announce(api_client))
    response = put(path[:-3] + "abc")
    assert response.status_code == 403 and response.json()["message"] == "This media upload URL is not valid"
    assert_nothing_stored(project)


def test_upload_over_the_media_limit_is_413_and_stores_nothing(api_client, project, settings):
    path = upload_path(announce(api_client))
    settings.AISTRALE_MAX_MEDIA_BYTES = 100
    response = put(path)
    assert response.status_code == 413
    assert response.json()["message"] == "Request body is larger than the 100 bytes allowed"
    assert_nothing_stored(project)


def test_upload_path_has_its_own_body_limit(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 300
    path = upload_path(announce(api_client))
    assert put(path).status_code == 200
    too_big_elsewhere = api_client.post(MEDIA_URL, {**media_announcement(PNG), "pad": "x" * 400}, format="json")
    assert too_big_elsewhere.status_code == 413


def test_download_urls_expire_and_cannot_be_forged(api_client, monkeypatch):
    put(upload_path(announce(api_client)))
    url = f"{MEDIA_URL}/{media_id_for(sha256_of(PNG))}"
    issued = time.time() - 7200
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    expired = urlparse(api_client.get(url).json()["url"]).path
    monkeypatch.undo()
    response = Client().get(expired)
    assert response.status_code == 403
    assert response.json()["message"] == "This media download URL has expired; request a new one"
    fresh = urlparse(api_client.get(url).json()["url"]).path
    assert Client().get(fresh[:-3] + "abc").status_code == 403


def test_scripts_and_svg_download_as_attachments_in_a_sandbox(api_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    put(upload_path(announce(api_client, svg, content_type="image/svg+xml")), svg, "image/svg+xml")
    media = api_client.get(f"{MEDIA_URL}/{media_id_for(sha256_of(svg))}").json()
    download = Client().get(urlparse(media["url"]).path)
    assert download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]
