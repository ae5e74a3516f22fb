"""Claiming items: one annotator per item at a time, holds that lapse, skips, N annotations per item."""

import os
import threading
from datetime import timedelta

import pytest
from django.db import connection

from aistrale.errors import DomainError
from aistrale.tenancy.models import Role
from evals.models import Score, ScoreSource
from feedback.models import AnnotationItemStatus, AnnotationQueueItem
from feedback.services import annotation_claims
from feedback.services.annotation_claims import annotation_item_claim, annotation_item_complete, annotation_item_release
from tests.feedback.annotation_factories import NOW, make_queue

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def annotators(project, make_user):
    return [make_user(name, project=project, role=Role.ANNOTATOR) for name in ("ana", "ben", "cy")]


def test_two_annotators_get_different_items_and_the_same_one_back_while_held(project, annotators):
    ana, ben, _ = annotators
    queue = make_queue(project, annotators=annotators, items=3)
    first = annotation_item_claim(queue=queue, user=ana, now=NOW)
    second = annotation_item_claim(queue=queue, user=ben, now=NOW)
    assert first.object_id == "t0" and second.object_id == "t1"
    assert annotation_item_claim(queue=queue, user=ana, now=NOW + timedelta(minutes=1)).key == first.key
    stored = AnnotationQueueItem.objects.get(key=first.key)
    assert stored.locked_by == ana and stored.locked_until == NOW + timedelta(seconds=300)


def test_an_abandoned_hold_lapses_after_the_queues_lock_time(project, annotators):
    ana, ben, _ = annotators
    queue = make_queue(project, annotators=annotators, items=1, lock_seconds=60)
    held = annotation_item_claim(queue=queue, user=ana, now=NOW)
    assert annotation_item_claim(queue=queue, user=ben, now=NOW + timedelta(seconds=59)) is None
    taken = annotation_item_claim(queue=queue, user=ben, now=NOW + timedelta(seconds=60))
    assert taken.key == held.key
    assert AnnotationQueueItem.objects.get(key=held.key).locked_by == ben


def test_skip_releases_the_item_for_others_and_passes_it_by_for_the_skipper(project, annotators):
    ana, ben, _ = annotators
    queue = make_queue(project, annotators=annotators, items=2)
    item = annotation_item_claim(queue=queue, user=ana, now=NOW)
    assert annotation_item_release(item=item, user=ana)
    assert not annotation_item_release(item=item, user=ben)
    assert annotation_item_claim(queue=queue, user=ana, now=NOW, exclude_keys=[item.key]).object_id == "t1"
    assert annotation_item_claim(queue=queue, user=ben, now=NOW).key == item.key


def test_complete_saves_annotation_scores_and_completes_the_item(project, annotators):
    ana = annotators[0]
    queue = make_queue(project, annotators=annotators, items=1)
    item = annotation_item_claim(queue=queue, user=ana, now=NOW)
    values = {"cfg-quality": 4, "cfg-correct": 1, "cfg-tone": "good", "cfg-note": "fine answer"}
    assert annotation_item_complete(item=item, user=ana, values=values, comment="checked the docs", now=NOW)
    item.refresh_from_db()
    assert (item.status, item.completed_by, item.completed_at, item.locked_by) == ("COMPLETED", ana, NOW, None)
    scores = {score.name: score for score in Score.objects.filter(project=project)}
    assert {name: (s.value, s.string_value) for name, s in scores.items()} == {
        "quality": (4.0, None),
        "correct": (1.0, "True"),
        "tone": (1.0, "good"),
        "note": (None, "fine answer"),
    }
    assert {(s.source, s.queue_id, s.author_user_id, s.trace_id, s.comment) for s in scores.values()} == {
        (ScoreSource.ANNOTATION, queue.id, ana.pk, "t0", "checked the docs")
    }
    assert scores["tone"].config_id == "cfg-tone"
    assert annotation_item_claim(queue=queue, user=ana, now=NOW) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cfg-quality": 6}, "quality must be at most 5"),
        ({"cfg-quality": 0}, "quality must be at least 1"),
        ({"cfg-correct": 2}, "correct must be true or false"),
        ({"cfg-tone": "meh"}, "tone must be one of ['good', 'bad']"),
        ({"cfg-note": "  "}, "note must be a non-empty text"),
    ],
)
def test_complete_refuses_values_the_config_does_not_allow(project, annotators, values, message):
    queue = make_queue(project, annotators=annotators, items=1)
    item = annotation_item_claim(queue=queue, user=annotators[0], now=NOW)
    with pytest.raises(DomainError, match=message.replace("[", r"\[").replace("]", r"\]")):
        annotation_item_complete(item=item, user=annotators[0], values=values, now=NOW)
    assert not Score.objects.exists()


def test_complete_refuses_an_item_another_annotator_holds(project, annotators):
    ana, ben, _ = annotators
    queue = make_queue(project, annotators=annotators, items=1)
    item = annotation_item_claim(queue=queue, user=ana, now=NOW)
    with pytest.raises(DomainError, match="another annotator holds this item"):
        annotation_item_complete(item=item, user=ben, values={}, now=NOW)


def test_with_n_annotations_an_item_completes_after_n_distinct_annotators(project, annotators):
    ana, ben, cy = annotators
    queue = make_queue(project, annotators=annotators, items=1, annotations_per_item=2)
    item = annotation_item_claim(queue=queue, user=ana, now=NOW)
    assert not annotation_item_complete(item=item, user=ana, values={"cfg-tone": "good"}, now=NOW)
    assert AnnotationQueueItem.objects.get(key=item.key).status == AnnotationItemStatus.PENDING
    assert annotation_item_claim(queue=queue, user=ana, now=NOW) is None, "never the same item twice"
    again = annotation_item_claim(queue=queue, user=ben, now=NOW)
    assert again.key == item.key
    with pytest.raises(DomainError, match="already annotated"):
        annotation_item_complete(item=again, user=ana, values={}, now=NOW)
    assert annotation_item_complete(item=again, user=ben, values={"cfg-tone": "bad"}, now=NOW)
    assert AnnotationQueueItem.objects.get(key=item.key).status == AnnotationItemStatus.COMPLETED
    assert annotation_item_claim(queue=queue, user=cy, now=NOW) is None
    assert Score.objects.filter(name="tone").count() == 2


def test_conditional_claim_moves_on_when_another_writer_won_the_candidate(project, annotators, monkeypatch):
    """The SQLite path: the UPDATE ... WHERE the hold lapsed matches nothing once another claim won the row."""
    ana, ben, _ = annotators
    queue = make_queue(project, annotators=annotators, items=2)
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    real_claimable = annotation_claims._claimable
    raced = []

    def claimable_with_a_rival(**kwargs):
        if kwargs["user"] == ana and not raced:
            raced.append(True)
            stale = list(real_claimable(**kwargs)[: annotation_claims.CANDIDATES])
            annotation_item_claim(queue=queue, user=ben, now=NOW)
            rows = real_claimable(**kwargs)
            rows.__dict__["_result_cache"] = None
            return _StaleFirst(rows, stale)
        return real_claimable(**kwargs)

    monkeypatch.setattr(annotation_claims, "_claimable", claimable_with_a_rival)
    item = annotation_item_claim(queue=queue, user=ana, now=NOW)
    assert item.object_id == "t1"
    assert AnnotationQueueItem.objects.get(object_id="t0").locked_by == ben


class _StaleFirst:
    """A claimable queryset whose first listing is the one read before a rival claimed (the race window)."""

    def __init__(self, rows, stale):
        self.rows, self.stale = rows, stale

    def __getitem__(self, index):
        return self.stale

    def filter(self, **kwargs):
        return self.rows.filter(**kwargs)


@pytest.mark.skipif(not ON_POSTGRES, reason="threads claiming at once need PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_never_hold_the_same_item(project, make_user):
    users = [make_user(f"annotator{index}", project=project, role=Role.ANNOTATOR) for index in range(8)]
    queue = make_queue(project, annotators=users, items=40)
    claims: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))

    def work(user):
        try:
            start.wait()
            for _ in range(5):
                item = annotation_item_claim(queue=queue, user=user, now=NOW)
                claims.append((user.username, item.key))
                annotation_item_complete(item=item, user=user, values={}, now=NOW)
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    keys = [key for _, key in claims]
    assert len(keys) == 40 and len(set(keys)) == 40
    assert not AnnotationQueueItem.objects.filter(status="PENDING").exists()


def test_the_claimed_item_carries_its_hold(project, annotators):
    ana = annotators[0]
    queue = make_queue(project, annotators=annotators, items=2, lock_seconds=60)

    claimed = annotation_item_claim(queue=queue, user=ana, now=NOW)
    again = annotation_item_claim(queue=queue, user=ana, now=NOW + timedelta(seconds=30))

    assert (claimed.locked_by, claimed.locked_until) == (ana, NOW + timedelta(seconds=60))
    assert (again.key, again.locked_by, again.locked_until) == (claimed.key, ana, NOW + timedelta(seconds=60))
