"""The annotator's loop: claim the next item (held for them a while), complete it with scores, or skip it.

Two annotators never hold the same item at once. On PostgreSQL the claim picks the first claimable row
with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent claims pass each other's rows by. Elsewhere
(SQLite) it claims with a conditional UPDATE (... WHERE the hold has lapsed) that only one writer can
win, and tries the next candidate when it lost. A hold lapses `queue.lock_seconds` after the claim;
every function takes `now` so tests move the clock.
"""

import functools
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aistrale.errors import DomainError
from evals.models import ScoreConfig, ScoreDataType, ScoreSource
from evals.services import score_build, score_upsert_many
from feedback.models import AnnotationItemStatus, AnnotationObjectType, AnnotationQueueItem, ItemAnnotation
from observability.models import Observation

CANDIDATES = 8
SCORE_ID_NAMESPACE = uuid.UUID("6f0c3a53-3f5c-4d5e-9a43-8e2d8f3c1b7a")


def _claimable(*, queue, user, now, exclude_keys=()):
    annotated = ItemAnnotation.objects.filter(item=OuterRef("pk"), user=user)
    return (
        AnnotationQueueItem.objects.filter(queue=queue, status=AnnotationItemStatus.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .exclude(key__in=list(exclude_keys))
        .filter(~Exists(annotated))
        .order_by("key")
    )


def annotation_item_held(*, queue, user, now=None) -> AnnotationQueueItem | None:
    """The pending item of this queue the user holds right now, if any.

    Looked up by holder alone (a user holds at most one item per queue), so the index on locked_by serves it
    whatever the planner knows of the queue.
    """
    held = AnnotationQueueItem.objects.filter(locked_by=user, locked_until__gt=now or timezone.now()).order_by()
    return next(
        (item for item in held if item.queue_id == queue.pk and item.status == AnnotationItemStatus.PENDING), None
    )


def annotation_item_claim(*, queue, user, now=None, exclude_keys=()) -> AnnotationQueueItem | None:
    """The item the user holds, or the next one nobody holds (now held for them); None when none is left.

    `exclude_keys` are items the user skipped in this sitting.
    """
    now = now or timezone.now()
    until = now + timedelta(seconds=queue.lock_seconds)
    if connection.features.has_select_for_update_skip_locked:
        item = _claim_skipping_locked(queue=queue, user=user, now=now, until=until, exclude_keys=exclude_keys)
    else:
        held = annotation_item_held(queue=queue, user=user, now=now)
        if held is not None and held.key not in exclude_keys:
            return held
        item = _claim_conditionally(queue=queue, user=user, now=now, until=until, exclude_keys=exclude_keys)
        if item is not None:
            item.locked_until = until
    if item is None:
        return None
    item.queue, item.locked_by = queue, user
    return item


@functools.cache
def _claim_statement() -> tuple[str, list[str]]:
    """The PostgreSQL claim, built once: (SQL with named parameters, the attributes of the columns it returns).

    `holding` is MATERIALIZED so the planner finds the user's holds by the holder index alone, whatever its
    statistics say of the queue; the candidate comes from the partial index of pending items.
    """
    table = AnnotationQueueItem._meta.db_table
    annotations = ItemAnnotation._meta.db_table
    fields = AnnotationQueueItem._meta.concrete_fields
    listed = ", ".join(field.column for field in fields)
    pending = "queue_id = %(queue)s AND status = %(pending)s AND key <> ALL(%(exclude)s::bigint[])"
    sql = (
        f"WITH holding AS MATERIALIZED (SELECT {listed} FROM {table} "
        "WHERE locked_by_id = %(user)s AND locked_until > %(now)s), "
        f"held AS (SELECT {listed} FROM holding WHERE {pending} LIMIT 1), "
        f"claimed AS (UPDATE {table} SET locked_by_id = %(user)s, locked_until = %(until)s, updated_at = %(now)s "
        f"WHERE NOT EXISTS (SELECT 1 FROM held) AND key = (SELECT candidate.key FROM {table} candidate "
        f"WHERE {pending} AND (candidate.locked_until IS NULL OR candidate.locked_until <= %(now)s) "
        f"AND NOT EXISTS (SELECT 1 FROM {annotations} annotation "
        "WHERE annotation.item_id = candidate.key AND annotation.user_id = %(user)s) "
        f"ORDER BY candidate.key LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {listed}) "
        f"SELECT {listed} FROM held UNION ALL SELECT {listed} FROM claimed"
    )
    return sql, [field.attname for field in fields]


def _claim_skipping_locked(*, queue, user, now, until, exclude_keys) -> AnnotationQueueItem | None:
    """One statement, one round trip: the item the user holds, else UPDATE the first claimable row nobody has
    locked (FOR UPDATE SKIP LOCKED, by the partial index of pending items), RETURNING it."""
    sql, names = _claim_statement()
    parameters = {
        "queue": queue.pk,
        "user": user.pk,
        "now": now,
        "until": until,
        "pending": AnnotationItemStatus.PENDING,
        "exclude": list(exclude_keys),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    return None if row is None else AnnotationQueueItem.from_db(connection.alias, names, row)


def _claim_conditionally(*, queue, user, now, until, exclude_keys) -> AnnotationQueueItem | None:
    while True:
        claimable = _claimable(queue=queue, user=user, now=now, exclude_keys=exclude_keys)
        candidates = list(claimable[:CANDIDATES])
        if not candidates:
            return None
        for item in candidates:
            if claimable.filter(key=item.key).update(locked_by=user, locked_until=until, updated_at=now):
                return item


def annotation_item_release(*, item: AnnotationQueueItem, user) -> bool:
    """Give up the user's hold on the item (Skip); False when they did not hold it."""
    return bool(
        AnnotationQueueItem.objects.filter(key=item.key, locked_by=user).update(locked_by=None, locked_until=None)
    )


def config_value_check(config: ScoreConfig, value):
    """The value as a score of this config takes it, or DomainError naming the config's rule."""
    field = f"score_{config.id}"
    if config.data_type == ScoreDataType.NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DomainError(f"{config.name} must be a number", field=field)
        if config.min_value is not None and value < config.min_value:
            raise DomainError(f"{config.name} must be at least {config.min_value:g}", field=field)
        if config.max_value is not None and value > config.max_value:
            raise DomainError(f"{config.name} must be at most {config.max_value:g}", field=field)
        return float(value)
    if config.data_type == ScoreDataType.BOOLEAN:
        if value not in (0, 1, True, False):
            raise DomainError(f"{config.name} must be true or false", field=field)
        return float(value)
    if config.data_type == ScoreDataType.CATEGORICAL:
        labels = [category.get("label") for category in config.categories or []]
        if value not in labels:
            raise DomainError(f"{config.name} must be one of {labels}", field=field)
        return value
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"{config.name} must be a non-empty text", field=field)
    return value


def _subject(item: AnnotationQueueItem) -> dict:
    if item.object_type == AnnotationObjectType.TRACE:
        return {"trace_id": item.object_id}
    if item.object_type == AnnotationObjectType.SESSION:
        return {"session_id": item.object_id}
    trace_id = (
        Observation.objects.filter(project=item.project_id, id=item.object_id)
        .values_list("trace_id", flat=True)
        .first()
    )
    if trace_id is None:
        raise DomainError(f"observation {item.object_id!r} is not in this project", field="object_id", status=404)
    return {"trace_id": trace_id, "observation_id": item.object_id}


def annotation_item_complete(*, item: AnnotationQueueItem, user, values: dict, comment: str = "", now=None) -> bool:
    """Save the user's scores (source ANNOTATION) for the queue's configs present in `values` ({config id: value}).

    The item completes once the queue's annotations_per_item distinct annotators have annotated it; True then.
    """
    now = now or timezone.now()
    queue = item.queue
    configs = [config for config in queue.score_configs.all() if config.id in values] if values else []
    checked = {config.id: config_value_check(config, values[config.id]) for config in configs}
    with transaction.atomic():
        item, annotators = _locked_with_annotators(item.key)
        if item.status == AnnotationItemStatus.COMPLETED:
            raise DomainError("this item is already complete", status=409)
        if user.pk in annotators:
            raise DomainError("you have already annotated this item", status=409)
        if item.locked_by_id not in (None, user.pk) and item.locked_until and item.locked_until > now:
            raise DomainError("another annotator holds this item now", status=409)
        subject = _subject(item)
        scores = []
        for config in configs:
            score = score_build(
                project=item.project,
                score_id=str(uuid.uuid5(SCORE_ID_NAMESPACE, f"{item.key}/{config.key}/{user.pk}")),
                name=config.name,
                value=checked[config.id],
                data_type=config.data_type,
                source=ScoreSource.ANNOTATION,
                config_id=config.id,
                queue_id=queue.id,
                comment=comment or None,
                timestamp=now,
                **subject,
            )
            score.author_user = user
            scores.append(score)
        if scores:
            score_upsert_many(scores=scores)
        done = len(annotators) + 1 >= queue.annotations_per_item
        _annotation_record(item=item, user=user, now=now, done=done)
    return done


@functools.cache
def _complete_statements() -> tuple[str, list[str], str]:
    """The PostgreSQL completion, built once: (the item locked with its annotators' ids, the attributes of the
    columns that returns, the annotation insert and item update in one statement)."""
    table = AnnotationQueueItem._meta.db_table
    annotations = ItemAnnotation._meta.db_table
    fields = AnnotationQueueItem._meta.concrete_fields
    listed = ", ".join(f"item.{field.column}" for field in fields)
    locked = (
        f"SELECT {listed}, ARRAY(SELECT user_id FROM {annotations} WHERE item_id = item.key) "
        f"FROM {table} item WHERE item.key = %(item)s FOR UPDATE"
    )
    record = (
        f"WITH annotated AS (INSERT INTO {annotations} (item_id, user_id, created_at) "
        "VALUES (%(item)s, %(user)s, %(now)s)) "
        f"UPDATE {table} SET status = CASE WHEN %(done)s THEN %(completed)s ELSE status END, "
        "completed_at = CASE WHEN %(done)s THEN %(now)s ELSE completed_at END, "
        "completed_by_id = CASE WHEN %(done)s THEN %(user)s ELSE completed_by_id END, "
        "locked_by_id = NULL, locked_until = NULL, updated_at = %(now)s WHERE key = %(item)s"
    )
    return locked, [field.attname for field in fields], record


def _locked_with_annotators(key: int) -> tuple[AnnotationQueueItem, set[int]]:
    """The item, locked until the transaction ends, and the ids of the users who annotated it (on PostgreSQL
    in one round trip)."""
    if connection.vendor != "postgresql":
        item = AnnotationQueueItem.objects.select_for_update().get(key=key)
        return item, set(ItemAnnotation.objects.filter(item=item).values_list("user_id", flat=True))
    locked, names, _ = _complete_statements()
    with connection.cursor() as cursor:
        cursor.execute(locked, {"item": key})
        *row, annotators = cursor.fetchone()
    return AnnotationQueueItem.from_db(connection.alias, names, row), set(annotators)


def _annotation_record(*, item: AnnotationQueueItem, user, now, done: bool) -> None:
    """Record the user's annotation and release the hold, completing the item when `done` (on PostgreSQL in one
    statement)."""
    if connection.vendor != "postgresql":
        ItemAnnotation.objects.create(item=item, user=user, created_at=now)
        if done:
            item.status, item.completed_at, item.completed_by = AnnotationItemStatus.COMPLETED, now, user
        item.locked_by, item.locked_until = None, None
        item.save(update_fields=["status", "completed_at", "completed_by", "locked_by", "locked_until", "updated_at"])
        return
    parameters = {"item": item.key, "user": user.pk, "now": now, "done": done}
    with connection.cursor() as cursor:
        cursor.execute(_complete_statements()[2], {**parameters, "completed": AnnotationItemStatus.COMPLETED})
