"""The real langfuse SDK (4.x and 5.x) uploads media to a live server, resolves it back, the admin shows it."""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from langfuse.media import LangfuseMedia

from observability.models import Media, MediaLink, Observation, Trace
from tests.background import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def traced(live_server, key_pair):
    public_key, secret_key = key_pair
    client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url)
    yield client
    client.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


def send_generation_with_image(client: Langfuse) -> tuple[str, str]:
    image = LangfuseMedia(content_bytes=PNG, content_type="image/png")
    with client.start_as_current_observation(
        as_type="generation", name="vision", input={"question": "What is in the picture?", "image": image}
    ) as generation:
        generation.update(output="a single pixel", model="gpt-4o")
        ids = generation.trace_id, generation.id
    client.flush()
    return ids


def test_sdk_uploads_media_resolves_it_and_the_admin_shows_it(traced, project, member, make_user, other_project):
    trace_id, observation_id = send_generation_with_image(traced)
    wait_for(lambda: Observation.objects.filter(project=project, id=observation_id).exists())
    wait_for(lambda: Trace.objects.filter(project=project, id=trace_id).exists())
    media = Media.objects.get(project=project)
    assert media.uploaded_at is not None and media.reported_status == 200
    assert list(MediaLink.objects.values_list("trace_id", "observation_id", "field")) == [
        (trace_id, observation_id, "input")
    ]

    stored_input = Observation.objects.get(project=project, id=observation_id).input
    reference = f"@@@langfuseMedia:type=image/png|id={media.id}|source=bytes@@@"
    assert stored_input == {"question": "What is in the picture?", "image": reference}
    resolved = LangfuseMedia.resolve_media_references(
        obj=stored_input, langfuse_client=traced, resolve_with="base64_data_uri"
    )
    assert resolved["image"] == "data:image/png;base64," + base64.b64encode(PNG).decode()

    browser = Client()
    browser.force_login(member)
    trace = Trace.objects.get(project=project, id=trace_id)
    page = browser.get(reverse("admin:observability_trace_change", args=[trace.key]))
    assert page.status_code == 200
    src = re.search(r'<img src="([^"]+)"', page.content.decode()).group(1)
    download = browser.get(src)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    outsider = Client()
    outsider.force_login(make_user("outsider", project=other_project))
    assert outsider.get(src).status_code == 404


def test_the_same_bytes_twice_are_uploaded_once(traced, project):
    first, _ = send_generation_with_image(traced)
    second, _ = send_generation_with_image(traced)
    wait_for(lambda: MediaLink.objects.filter(trace_id=second).exists())
    assert Media.objects.filter(project=project).count() == 1
    assert set(MediaLink.objects.values_list("trace_id", flat=True)) == {first, second}
