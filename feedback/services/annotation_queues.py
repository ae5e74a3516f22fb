"""Annotation queue writes: queues, their annotators (mirrored as django-guardian grants) and their items."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.selectors import project_role
from aistrale.tenancy.services import audit_record
from evals.models import ScoreConfig
from feedback.models import (
    AnnotationItemStatus,
    AnnotationObjectType,
    AnnotationQueue,
    AnnotationQueueAssignment,
    AnnotationQueueItem,
)

VIEW_QUEUE = "feedback.view_annotationqueue"
MAX_ANNOTATIONS_PER_ITEM = 20


def _score_configs(*, project, score_config_ids: list[str]) -> list[ScoreConfig]:
    configs = {config.id: config for config in ScoreConfig.objects.filter(project=project, id__in=score_config_ids)}
    missing = [config_id for config_id in score_config_ids if config_id not in configs]
    if missing:
        raise DomainError(f"no score config with id {missing[0]!r} in this project", field="score_config_ids")
    archived = [config.id for config in configs.values() if config.is_archived]
    if archived:
        raise DomainError(f"score config {archived[0]!r} is archived", field="score_config_ids")
    return [configs[config_id] for config_id in dict.fromkeys(score_config_ids)]


def annotation_queue_create(
    *,
    project,
    name: str,
    score_config_ids: list[str],
    description: str | None = None,
    annotations_per_item: int = 1,
    lock_seconds: int | None = None,
) -> AnnotationQueue:
    """A new queue filling these score configs; DomainError for an unknown config or a name already taken."""
    text_check(name, field="name", max_length=column_length(AnnotationQueue, "name"))
    if not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    if description is not None:
        text_check(description, field="description")
    if not 1 <= annotations_per_item <= MAX_ANNOTATIONS_PER_ITEM:
        raise DomainError(f"must be from 1 to {MAX_ANNOTATIONS_PER_ITEM}", field="annotations_per_item")
    configs = _score_configs(project=project, score_config_ids=score_config_ids)
    extra = {} if lock_seconds is None else {"lock_seconds": lock_seconds}
    try:
        with transaction.atomic():
            queue = AnnotationQueue.objects.create(
                project=project,
                name=name,
                description=description,
                annotations_per_item=annotations_per_item,
                **extra,
            )
            queue.score_configs.set(configs)
            audit_record(
                action="annotation_queue.created",
                object_type="AnnotationQueue",
                object_id=queue.id,
                project=project,
                after={"name": name, "scoreConfigIds": score_config_ids},
            )
    except IntegrityError:
        raise DomainError(f"a queue named {name!r} already exists in this project", field="name", status=409) from None
    return queue


def annotation_queue_assign(*, queue: AnnotationQueue, user_id) -> AnnotationQueueAssignment:
    """Assign an active member of the queue's project to annotate it (idempotent); they get view permission on
    the queue. Users of other tenants are not found, as if they did not exist."""
    user = get_user_model().objects.filter(pk=_user_pk(user_id), is_active=True).first()
    if user is None or project_role(user, queue.project) is None:
        raise DomainError(f"no active member of this project has user id {user_id!r}", field="user_id", status=404)
    with transaction.atomic():
        assignment, created = AnnotationQueueAssignment.objects.get_or_create(queue=queue, user=user)
        if created:
            assign_perm(VIEW_QUEUE, user, queue)
            audit_record(
                action="annotation_queue.assigned",
                object_type="AnnotationQueue",
                object_id=queue.id,
                project=queue.project,
                after={"userId": str(user.pk)},
            )
    return assignment


def annotation_queue_unassign(*, queue: AnnotationQueue, user_id) -> bool:
    """Remove a user from the queue and their grant on it; False when they were not assigned."""
    pk = _user_pk(user_id)
    with transaction.atomic():
        assignment = AnnotationQueueAssignment.objects.filter(queue=queue, user_id=pk).select_related("user").first()
        if assignment is None:
            return False
        remove_perm(VIEW_QUEUE, assignment.user, queue)
        assignment.delete()
        AnnotationQueueItem.objects.filter(queue=queue, locked_by_id=pk).update(locked_by=None, locked_until=None)
        audit_record(
            action="annotation_queue.unassigned",
            object_type="AnnotationQueue",
            object_id=queue.id,
            project=queue.project,
            before={"userId": str(pk)},
        )
    return True


def _user_pk(user_id) -> int:
    try:
        return int(str(user_id))
    except ValueError:
        raise DomainError(f"must be a user id (a whole number), got {user_id!r}", field="user_id") from None


def _object_check(*, object_type: str, object_id: str) -> None:
    if object_type not in AnnotationObjectType.values:
        raise DomainError(f"must be one of {AnnotationObjectType.values}, got {object_type!r}", field="object_type")
    text_check(object_id, field="object_id", max_length=column_length(AnnotationQueueItem, "object_id"))
    if not object_id.strip():
        raise DomainError("must be a non-empty string", field="object_id")


def _status_check(status: str) -> None:
    if status not in AnnotationItemStatus.values:
        raise DomainError(f"must be one of {AnnotationItemStatus.values}, got {status!r}", field="status")


def annotation_item_create(
    *, queue: AnnotationQueue, object_type: str, object_id: str, status: str | None = None, now=None
) -> AnnotationQueueItem:
    """Add a trace, observation or session to the queue; the item already there when it was added before."""
    _object_check(object_type=object_type, object_id=object_id)
    status = status or AnnotationItemStatus.PENDING
    _status_check(status)
    completed = status == AnnotationItemStatus.COMPLETED
    item, _ = AnnotationQueueItem.objects.get_or_create(
        queue=queue,
        object_type=object_type,
        object_id=object_id,
        defaults={
            "project": queue.project,
            "status": status,
            "completed_at": (now or timezone.now()) if completed else None,
        },
    )
    return item


def annotation_items_add(*, queue: AnnotationQueue, objects: list[tuple[str, str]]) -> int:
    """Add many (object_type, object_id) to the queue at once, skipping those already in it; the number added."""
    for object_type, object_id in objects:
        _object_check(object_type=object_type, object_id=object_id)
    before = AnnotationQueueItem.objects.filter(queue=queue).count()
    AnnotationQueueItem.objects.bulk_create(
        [
            AnnotationQueueItem(project=queue.project, queue=queue, object_type=object_type, object_id=object_id)
            for object_type, object_id in dict.fromkeys(objects)
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return AnnotationQueueItem.objects.filter(queue=queue).count() - before


def annotation_item_set_status(*, item: AnnotationQueueItem, status: str, now=None) -> AnnotationQueueItem:
    """Mark an item PENDING again (clearing its completion) or COMPLETED (now)."""
    _status_check(status)
    if status != item.status:
        completed = status == AnnotationItemStatus.COMPLETED
        item.status = status
        item.completed_at = (now or timezone.now()) if completed else None
        if not completed:
            item.completed_by = None
        item.locked_by, item.locked_until = None, None
        item.save(update_fields=["status", "completed_at", "completed_by", "locked_by", "locked_until", "updated_at"])
    return item


def annotation_item_delete(*, item: AnnotationQueueItem) -> None:
    item.delete()
