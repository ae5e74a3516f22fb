"""Media on the trace page: images inline, audio players, file links; downloads checked like the trace."""

import re

import pytest
from django.urls import reverse

from observability.media.rendering import trace_media_renderer
from tests.observability.factories import make_media, make_observation, make_trace

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 50
WAV = b"RIFF....WAVEfmt " + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"page" * 30


@pytest.fixture
def media_trace(project):
    trace = make_trace(project, "t1", name="vision")
    _, image = make_media(project, PNG, "image/png", trace_id="t1")
    trace.input = {"messages": [{"role": "user", "content": [{"type": "image", "data": image}]}]}
    _, pdf = make_media(project, PDF, "application/pdf", trace_id="t1", field="metadata")
    trace.metadata = {"attachment": pdf}
    trace.save()
    _, audio = make_media(project, WAV, "audio/wav", trace_id="t1", observation_id="o1")
    make_observation(project, "o1", "t1", type="GENERATION", input={"audio": f"listen: {audio}"})
    return trace


def page(client, trace):
    response = client.get(reverse("admin:observability_trace_change", args=[trace.key]))
    assert response.status_code == 200
    return response.content.decode()


def test_trace_page_shows_images_plays_audio_and_links_files(client, member, media_trace):
    client.force_login(member)
    html = page(client, media_trace)
    image = re.search(r'<img src="([^"]+)"', html)
    assert image, "no inline image"
    audio = re.search(r'<audio controls preload="metadata" src="([^"]+)"', html)
    assert audio, "no audio player"
    pdf = re.search(r'<a href="([^"]+)">PDF ', html)
    assert pdf, "no PDF link"
    for match, content, content_type in (
        (image, PNG, "image/png"),
        (audio, WAV, "audio/wav"),
        (pdf, PDF, "application/pdf"),
    ):
        download = client.get(match.group(1))
        assert download.status_code == 200
        assert download["Content-Type"] == content_type
        assert b"".join(download.streaming_content) == content


def test_downloads_are_refused_to_a_non_member(client, member, make_user, other_project, media_trace):
    client.force_login(member)
    image_url = re.search(r'<img src="([^"]+)"', page(client, media_trace)).group(1)
    client.force_login(make_user("outsider", project=other_project))
    assert client.get(image_url).status_code == 404
    assert client.get(reverse("admin:observability_trace_change", args=[media_trace.key])).status_code == 302


def test_media_of_another_trace_is_not_served_under_this_one(client, member, project, media_trace):
    other = make_trace(project, "t2")
    media, _ = make_media(project, b"other bytes", "image/png", trace_id="t2")
    client.force_login(member)
    url = reverse("admin:observability_trace_media", args=[media_trace.key, media.id])
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:observability_trace_media", args=[other.key, media.id])).status_code == 200


def test_a_reference_without_stored_media_says_so(client, member, project):
    trace = make_trace(project, "t3", input="@@@langfuseMedia:type=image/png|id=missingMediaId|source=bytes@@@")
    client.force_login(member)
    assert "image/png missingMediaId: not uploaded" in page(client, trace)


def test_another_page_reuses_the_rendering_with_its_own_url_rule(media_trace):
    renderer = trace_media_renderer(
        trace=media_trace, values=[media_trace.input], url_for=lambda media: f"/public/{media.id}"
    )
    [image] = renderer(media_trace.input)
    assert image["kind"] == "image" and image["url"] == f"/public/{image['media_id']}"
    assert image["content_type"] == "image/png" and image["size"] == len(PNG)
