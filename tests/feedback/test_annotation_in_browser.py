"""An annotator works one item end to end in a real browser, with the keyboard only."""

import pytest

from aistrale.tenancy.models import Role
from evals.models import Score
from feedback.models import AnnotationQueueItem
from feedback.services.annotation_queues import annotation_items_add
from tests.browser import chromium_page, screenshot_path
from tests.feedback.annotation_factories import make_queue
from tests.observability.factories import make_observation, make_trace

pytestmark = pytest.mark.django_db(transaction=True)

# The page's deferred script marks <html> once its shortcuts listen; a key pressed before that is lost.
KEYS_READY = "html[data-annotation-keys=ready]"


def test_annotator_completes_an_item_with_the_keyboard(live_server, make_user, project):
    annotator = make_user("ana", project=project, role=Role.ANNOTATOR)
    queue = make_queue(project, annotators=[annotator])
    for trace_id, question in (("t1", "How do I reset my password?"), ("t2", "Where is my invoice?")):
        make_trace(
            project,
            trace_id,
            name="support-answer",
            input={"messages": [{"role": "user", "content": question}]},
            output="Open Settings, then Security.",
        )
        make_observation(project, f"{trace_id}-llm", trace_id, name="llm-call", type="GENERATION", model="gpt-4o-mini")
    annotation_items_add(queue=queue, objects=[("TRACE", "t1"), ("TRACE", "t2")])

    with chromium_page() as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/feedback/annotationqueue/{queue.key}/page/")
        page.keyboard.type("ana")
        page.keyboard.press("Tab")
        page.keyboard.type("pw-ana")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"{KEYS_READY} #ann-start")
        page.keyboard.press("a")
        page.wait_for_selector(f"{KEYS_READY} #ann-form")
        assert page.locator("#ann-object-id").inner_text() == "t1"
        # Fields in name order: correct (radio), note, quality, tone (radio), comment. Focus starts on the first.
        page.keyboard.press("Space")  # correct: True
        page.keyboard.press("Tab")
        page.keyboard.type("Accurate and short")
        page.keyboard.press("Tab")
        page.keyboard.type("4")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # tone: good
        page.keyboard.press("Tab")
        page.keyboard.type("Reviewed against the help centre")
        page.screenshot(path=screenshot_path("annotation-item"), full_page=False)
        page.keyboard.press("Control+Enter")
        page.locator(f"{KEYS_READY} #ann-object-id", has_text="t2").wait_for()
        page.keyboard.press("Control+Shift+Enter")
        page.wait_for_selector("#ann-nothing-left")

    scores = {score.name: score for score in Score.objects.filter(trace_id="t1")}
    assert {name: (s.value, s.string_value) for name, s in scores.items()} == {
        "correct": (1.0, "True"),
        "note": (None, "Accurate and short"),
        "quality": (4.0, None),
        "tone": (1.0, "good"),
    }
    assert {(s.source, s.author_user_id, s.comment) for s in scores.values()} == {
        ("ANNOTATION", annotator.pk, "Reviewed against the help centre")
    }
    assert AnnotationQueueItem.objects.get(object_id="t1").status == "COMPLETED"
    assert AnnotationQueueItem.objects.get(object_id="t2").locked_by is None, "skipped: released"
