"""An annotator sees the media of the items they annotate through the queue, and nothing of the trace admin."""

import re

import pytest
from django.urls import reverse

from aistrale.tenancy.models import Role
from feedback.services.annotation_queues import annotation_items_add
from observability.models import Trace
from tests.feedback.annotation_factories import make_queue
from tests.observability.factories import make_media, make_observation, make_trace

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 50


@pytest.fixture
def annotator(project, make_user):
    return make_user("ana", project=project, role=Role.ANNOTATOR)


def _trace_with_image(project, trace_id):
    """Each trace's own image (equal bytes would be one media object, linked to both)."""
    _, image = make_media(project, PNG + trace_id.encode(), "image/png", trace_id=trace_id)
    trace = make_trace(project, trace_id, input={"messages": [{"role": "user", "content": [{"image": image}]}]})
    make_observation(project, f"{trace_id}-o", trace_id, type="GENERATION")
    return trace


def test_the_annotation_page_links_media_the_annotator_may_download(client, project, annotator):
    trace = _trace_with_image(project, "t1")
    queue = make_queue(project, annotators=[annotator])
    annotation_items_add(queue=queue, objects=[("TRACE", "t1")])
    client.force_login(annotator)

    html = client.get(reverse("admin:feedback_annotationqueue_annotate", args=[queue.key])).content.decode()
    image_url = re.search(r'<img src="([^"]+)"', html).group(1)
    assert image_url.startswith(f"/admin/feedback/annotationqueue/{queue.key}/items/")
    download = client.get(image_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG + b"t1"

    media_id = image_url.rstrip("/").rsplit("/", 1)[1]
    trace_admin_url = reverse("admin:observability_trace_media", args=[trace.key, media_id])
    assert client.get(trace_admin_url).status_code in (403, 404), "the trace admin is not theirs"


def test_media_of_a_trace_outside_the_item_or_queue_is_not_served(client, project, annotator, make_user):
    _trace_with_image(project, "t1")
    _trace_with_image(project, "t2")
    queue = make_queue(project, annotators=[annotator], name="mine")
    annotation_items_add(queue=queue, objects=[("TRACE", "t1")])
    other_queue = make_queue(project, name="not mine", configs={})
    annotation_items_add(queue=other_queue, objects=[("TRACE", "t2")])
    client.force_login(annotator)
    item = queue.items.get()
    other_item = other_queue.items.get()
    t2_media = re.search(r"id=([^|]+)\|", str(Trace.objects.get(project=project, id="t2").input)).group(1)

    def media_url(queue_key, item_key, media_id):
        return reverse("admin:feedback_annotationqueue_media", args=[queue_key, item_key, media_id])

    assert client.get(media_url(queue.key, item.key, t2_media)).status_code == 404, "not this item's trace"
    assert client.get(media_url(other_queue.key, other_item.key, t2_media)).status_code == 404, "not their queue"
    assert client.get(media_url(queue.key, other_item.key, t2_media)).status_code == 404, "not this queue's item"
    client.force_login(make_user("outsider"))
    assert client.get(media_url(queue.key, item.key, t2_media)).status_code in (403, 404)
