"""Concurrent media requests on a live server: one upload URL stores once, one set of bytes makes one row."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from observability.models import Media, MediaLink
from tests.observability.factories import media_announcement

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"concurrent" * 100
CLIENTS = 4


def announce(live_server, key_pair, trace_id: str) -> requests.Response:
    body = media_announcement(PNG, traceId=trace_id)
    return requests.post(f"{live_server.url}/api/public/media", json=body, auth=key_pair, timeout=30)


def test_concurrent_announcements_make_one_media_with_every_link(live_server, key_pair, project):
    with ThreadPoolExecutor(CLIENTS) as pool:
        responses = list(pool.map(lambda n: announce(live_server, key_pair, f"t{n}"), range(CLIENTS)))
    assert [response.status_code for response in responses] == [201] * CLIENTS
    assert len({response.json()["mediaId"] for response in responses}) == 1
    assert Media.objects.filter(project=project).count() == 1
    assert sorted(MediaLink.objects.values_list("trace_id", flat=True)) == [f"t{n}" for n in range(CLIENTS)]


def test_concurrent_puts_to_one_upload_url_store_once(live_server, key_pair, project):
    url = announce(live_server, key_pair, "t1").json()["uploadUrl"]

    def put(_):
        return requests.put(url, data=PNG, headers={"Content-Type": "image/png"}, timeout=30).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = sorted(pool.map(put, range(CLIENTS)))
    assert statuses == [200] + [403] * (CLIENTS - 1)
    media = Media.objects.get(project=project)
    assert media.uploaded_at is not None and media.storage_path
