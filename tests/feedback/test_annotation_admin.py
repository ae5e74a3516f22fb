"""The annotator's day in the admin (Django's test client): queue page, start, complete and next, skip, progress;
who sees which queue; the add-to-queue action; saved filters; changelist query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aistrale.tenancy.models import Role
from evals.models import Score
from feedback.models import AnnotationQueueFilter, AnnotationQueueItem
from feedback.services.annotation_queues import annotation_items_add
from tests.evals.factories import make_score
from tests.feedback.annotation_factories import make_configs, make_queue
from tests.feedback.factories import make_comment
from tests.observability.factories import make_observation, make_trace
from tests.query_counts import assert_queries_constant

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/feedback/annotationqueue/"


def _urls(queue):
    return (
        reverse("admin:feedback_annotationqueue_page", args=[queue.key]),
        reverse("admin:feedback_annotationqueue_annotate", args=[queue.key]),
    )


@pytest.fixture
def annotator(project, make_user):
    """A staff user with the annotator role: the queue assignment is all they see of the project."""
    return make_user("ana", project=project, role=Role.ANNOTATOR)


@pytest.fixture
def queue(project, annotator):
    queue = make_queue(project, annotators=[annotator])
    for index in range(3):
        make_trace(project, f"t{index}", name="answer", input={"question": f"q{index}"}, output=f"reply {index}")
        make_observation(project, f"o{index}", f"t{index}", name="llm-call")
    annotation_items_add(queue=queue, objects=[("TRACE", f"t{index}") for index in range(3)])
    return queue


def test_annotator_starts_completes_skips_and_sees_progress(client, annotator, queue):
    client.force_login(annotator)
    page_url, annotate_url = _urls(queue)
    page = client.get(page_url)
    assert page.status_code == 200
    assert b"Start annotating" in page.content and b"<kbd>a</kbd>" in page.content

    first = client.get(annotate_url + "?restart=1")
    assert first.status_code == 200
    body = first.content.decode()
    assert "t0" in body and "q0" in body and "reply 0" in body and "llm-call" in body
    assert 'name="score_cfg-quality"' in body and 'type="number"' in body and 'max="5.0"' in body
    assert 'type="radio" name="score_cfg-tone" value="good"' in body
    assert "Ctrl</kbd>+<kbd>Enter</kbd> complete and next" in body
    item = first.context["item"]

    done = client.post(
        annotate_url,
        {
            "item": item.key,
            "action": "complete",
            "score_cfg-quality": "4",
            "score_cfg-correct": "1",
            "score_cfg-tone": "good",
            "comment": "clear",
        },
    )
    assert done.status_code == 302 and done["Location"] == annotate_url
    scores = Score.objects.filter(trace_id="t0")
    assert {(s.name, s.source, s.author_user_id, s.queue_id, s.comment) for s in scores} == {
        ("quality", "ANNOTATION", annotator.pk, queue.id, "clear"),
        ("correct", "ANNOTATION", annotator.pk, queue.id, "clear"),
        ("tone", "ANNOTATION", annotator.pk, queue.id, "clear"),
    }

    second = client.get(annotate_url)
    assert second.context["item"].object_id == "t1"
    skipped = client.post(annotate_url, {"item": second.context["item"].key, "action": "skip"})
    assert skipped.status_code == 302
    third = client.get(annotate_url)
    assert third.context["item"].object_id == "t2"
    assert AnnotationQueueItem.objects.get(object_id="t1").locked_by is None, "a skipped item is free for others"

    progress = client.get(page_url)
    assert progress.context["progress"]["completed"] == 1 and progress.context["progress"]["pending"] == 2
    assert [(row["user"], row["annotated"]) for row in progress.context["progress"]["annotators"]] == [(annotator, 1)]


def test_a_value_out_of_range_shows_the_form_again_with_the_error(client, annotator, queue):
    client.force_login(annotator)
    _, annotate_url = _urls(queue)
    item = client.get(annotate_url).context["item"]
    response = client.post(annotate_url, {"item": item.key, "action": "complete", "score_cfg-quality": "9"})
    assert response.status_code == 200
    assert "less than or equal to 5" in response.content.decode()
    assert not Score.objects.exists()


def test_the_item_shows_the_comments_on_the_trace_and_its_observations(client, annotator, queue, project):
    make_comment(project, "t0", content="the retrieval missed the FAQ")
    make_comment(project, "o0", object_type="OBSERVATION", content="prompt v3 here")
    make_comment(project, "t1", content="not this trace's")
    client.force_login(annotator)

    body = client.get(_urls(queue)[1] + "?restart=1").content.decode()

    assert "the retrieval missed the FAQ" in body and "observation o0" in body and "prompt v3 here" in body
    assert "not this trace's" not in body


def test_a_session_item_shows_the_sessions_own_scores_and_comments(client, annotator, project):
    queue = make_queue(project, annotators=[annotator])
    make_trace(project, "s-t1", session_id="s1", input="hello", output="hi")
    make_score(project, score_id="s-score", trace_id=None, session_id="s1", name="resolved", value=0, comment="no fix")
    make_comment(project, "s1", object_type="SESSION", content="customer left angry")
    annotation_items_add(queue=queue, objects=[("SESSION", "s1")])
    client.force_login(annotator)

    body = client.get(_urls(queue)[1]).content.decode()

    assert "Session s1" in body and "resolved" in body and "no fix" in body
    assert "customer left angry" in body and "session s1" in body


def test_when_nothing_is_left_the_page_says_so(client, annotator, project):
    queue = make_queue(project, annotators=[annotator])
    client.force_login(annotator)
    response = client.get(_urls(queue)[1])
    assert b"Nothing left for you to annotate" in response.content


def test_an_annotator_sees_only_the_queues_assigned_to_them(client, project, annotator, make_user):
    configs = make_configs(project)
    mine = make_queue(project, annotators=[annotator], configs=configs, name="mine")
    other = make_queue(project, configs=configs, name="other")
    make_trace(project, "secret", name="secret")
    client.force_login(annotator)
    listed = client.get(CHANGELIST)
    assert [q.name for q in listed.context["cl"].result_list] == ["mine"]
    assert client.get(_urls(other)[0]).status_code == 404
    assert client.get(_urls(other)[1]).status_code == 404
    assert client.get(_urls(mine)[1]).status_code == 200
    assert client.get("/admin/observability/trace/").status_code == 403, "nothing else of the project"

    outsider = make_user("bob")
    client.force_login(outsider)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_urls(mine)[1]).status_code in (403, 404)


def test_a_manager_sees_every_queue_of_the_project_but_annotates_only_when_assigned(client, project, make_user, queue):
    manager = make_user("max", project=project, role=Role.ADMIN)
    client.force_login(manager)
    assert [q.pk for q in client.get(CHANGELIST).context["cl"].result_list] == [queue.pk]
    assert client.get(_urls(queue)[0]).status_code == 200
    assert client.get(_urls(queue)[1]).status_code == 403


def test_add_to_queue_action_asks_which_queue_then_adds(client, project, make_user, queue):
    manager = make_user("max", project=project, role=Role.OWNER)
    make_trace(project, "t9", name="late")
    make_observation(project, "o9", "t9")
    client.force_login(manager)
    from observability.models import Observation, Trace

    keys = [str(Trace.objects.get(id=i).key) for i in ("t0", "t9")]
    asked = client.post("/admin/observability/trace/", {"action": "add_to_annotation_queue", "_selected_action": keys})
    assert asked.status_code == 200
    assert b"to which annotation queue" in asked.content and queue.name.encode() in asked.content
    added = client.post(
        "/admin/observability/trace/",
        {"action": "add_to_annotation_queue", "_selected_action": keys, "annotation_queue": queue.key},
        follow=True,
    )
    assert "1 added to Support answers (1 already there)" in added.content.decode()
    client.post(
        "/admin/observability/observation/",
        {
            "action": "add_to_annotation_queue",
            "annotation_queue": queue.key,
            "_selected_action": [str(Observation.objects.get(id="o9").key)],
        },
    )
    assert set(queue.items.values_list("object_type", "object_id")) >= {("TRACE", "t9"), ("OBSERVATION", "o9")}


def test_a_saved_filter_adds_matching_traces_when_run(client, project, make_user, annotator):
    queue = make_queue(project, annotators=[annotator])
    now = timezone.now()
    make_trace(project, "match", name="checkout", tags=["prod"], at=now - timedelta(days=2))
    make_trace(project, "old", name="checkout", tags=["prod"], at=now - timedelta(days=10))
    make_trace(project, "happy", name="checkout", tags=["prod"], at=now - timedelta(days=1))
    make_trace(project, "other", name="search", tags=["prod"], at=now - timedelta(days=1))
    for trace_id, value in (("match", 0), ("old", 0), ("happy", 1), ("other", 0)):
        Score.objects.create(
            project=project, id=f"s-{trace_id}", trace_id=trace_id, name="thumbs", value=value, timestamp=now
        )
    saved = AnnotationQueueFilter.objects.create(
        queue=queue,
        label="Unhappy checkouts",
        trace_name="checkout",
        tags=["prod"],
        window=timedelta(days=7),
        score_name="thumbs",
        score_operator="<",
        score_value=0.5,
    )
    manager = make_user("max", project=project, role=Role.ADMIN)
    client.force_login(manager)
    page = client.get(_urls(queue)[0])
    assert b"Unhappy checkouts" in page.content
    run_url = reverse("admin:feedback_annotationqueue_run_filter", args=[queue.key, saved.pk])
    response = client.post(run_url, follow=True)
    assert "Unhappy checkouts: 1 trace(s) added" in response.content.decode()
    assert list(queue.items.values_list("object_id", flat=True)) == ["match"]
    client.force_login(annotator)
    assert client.post(run_url).status_code == 403, "annotators do not run filters"


def test_agreement_shows_on_the_queue_page(client, project, make_user):
    users = [make_user(name, project=project, role=Role.ANNOTATOR) for name in ("ana", "ben")]
    queue = make_queue(project, annotators=users, items=2, annotations_per_item=2)
    from feedback.services.annotation_claims import annotation_item_claim, annotation_item_complete

    tones = {"ana": ["good", "bad"], "ben": ["good", "good"]}
    for user in users:
        for tone in tones[user.username]:
            item = annotation_item_claim(queue=queue, user=user)
            annotation_item_complete(item=item, user=user, values={"cfg-tone": tone, "cfg-quality": 3})
    client.force_login(users[0])
    rows = {row["config"].name: row["agreement"] for row in client.get(_urls(queue)[0]).context["agreement"]}
    # tone: ana good/bad, ben good/good: observed 1/2; expected (1/2)(1) + (1/2)(0) = 1/2; kappa 0.
    assert (rows["tone"].method, rows["tone"].value, rows["tone"].units) == ("cohen_kappa", 0.0, 2)
    assert rows["quality"].value is None, "all 3s: agreement is undefined"
    assert set(rows) == {"tone", "quality", "correct"}


def test_changelist_makes_a_constant_number_of_queries(client, project, make_user):
    manager = make_user("max", project=project, role=Role.ADMIN)
    configs = make_configs(project)
    made = []

    def make_queues(count):
        for _ in range(count):
            made.append(make_queue(project, configs=configs, name=f"queue {len(made)}", items=2))

    client.force_login(manager)
    assert_queries_constant(lambda: client.get(CHANGELIST), make_queues)


def test_a_manager_creates_a_queue_with_annotators_from_the_admin(client, project, other_project, make_user):
    from guardian.shortcuts import get_objects_for_user

    from feedback.models import AnnotationQueue

    configs = make_configs(project)
    make_configs(other_project)
    manager = make_user("max", project=project, role=Role.ADMIN)
    member = make_user("mia", project=project, role=Role.ANNOTATOR)
    stranger = make_user("sam", project=other_project)
    client.force_login(manager)
    form = client.get(f"{CHANGELIST}add/").context["adminform"].form
    assert set(form.fields["annotators"].queryset) == {manager, member}, "never users of other tenants"
    assert {config.project_id for config in form.fields["score_configs"].queryset} == {project.pk}
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "project": project.pk,
            "name": "Tone check",
            "score_configs": [configs["tone"].pk],
            "annotations_per_item": 2,
            "lock_seconds": 120,
            "annotators": [member.pk],
            "filters-TOTAL_FORMS": 0,
            "filters-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    queue = AnnotationQueue.objects.get(name="Tone check")
    assert (queue.annotations_per_item, queue.lock_seconds) == (2, 120)
    assert list(queue.assignments.values_list("user", flat=True)) == [member.pk]
    assert list(get_objects_for_user(member, "feedback.view_annotationqueue", klass=AnnotationQueue)) == [queue]
    assert not get_objects_for_user(stranger, "feedback.view_annotationqueue", klass=AnnotationQueue).exists()
