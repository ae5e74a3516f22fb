"""Annotation queue reads: project-scoped queues and items, the queues a user may annotate, progress, agreement."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from aistrale.tenancy.models import MANAGING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from evals.models import Score, ScoreDataType, ScoreSource
from feedback.agreement import Agreement, krippendorff_alpha_interval, nominal_agreement
from feedback.models import AnnotationItemStatus, AnnotationQueue, AnnotationQueueItem, ItemAnnotation


def annotation_queue_list(*, project) -> QuerySet[AnnotationQueue]:
    return (
        AnnotationQueue.objects.filter(project=project)
        .prefetch_related("score_configs")
        .order_by("-created_at", "-key")
    )


def annotation_queue_get(*, project, queue_id: str) -> AnnotationQueue | None:
    return annotation_queue_list(project=project).filter(id=queue_id).first()


def annotation_item_list(*, queue, status: str | None = None) -> QuerySet[AnnotationQueueItem]:
    items = AnnotationQueueItem.objects.filter(queue=queue).order_by("created_at", "key")
    return items.filter(status=status) if status else items


def annotation_item_get(*, queue, item_id: str) -> AnnotationQueueItem | None:
    return AnnotationQueueItem.objects.filter(queue=queue, id=item_id).first()


def annotation_queue_list_for_user(user) -> QuerySet[AnnotationQueue]:
    """Queues of the projects the user manages, and the queues they are assigned to (guardian view grant)."""
    queues = AnnotationQueue.objects.all()
    if user.is_superuser:
        return queues
    granted = get_objects_for_user(
        user, "feedback.view_annotationqueue", klass=queues, accept_global_perms=False
    ).values("pk")
    return queues.filter(
        Q(project__in=project_list_for_user(user, roles=MANAGING_ROLES).values("pk")) | Q(pk__in=granted)
    )


def annotation_queue_is_member(*, queue, user) -> bool:
    return queue.assignments.filter(user=user).exists()


def annotation_queue_progress(*, queue) -> dict:
    """Items done and pending, and how many items each annotator has annotated."""
    counts = dict(
        AnnotationQueueItem.objects.filter(queue=queue).values_list("status").annotate(count=Count("key")).order_by()
    )
    per_user = dict(
        ItemAnnotation.objects.filter(item__queue=queue).values_list("user").annotate(count=Count("pk")).order_by()
    )
    users = get_user_model().objects.filter(pk__in=[*per_user, *queue.assignments.values_list("user", flat=True)])
    return {
        "completed": counts.get(AnnotationItemStatus.COMPLETED, 0),
        "pending": counts.get(AnnotationItemStatus.PENDING, 0),
        "annotators": sorted(
            ({"user": user, "annotated": per_user.get(user.pk, 0)} for user in users),
            key=lambda row: (-row["annotated"], row["user"].get_username()),
        ),
    }


def annotation_queue_agreement(*, queue) -> list[dict]:
    """Per score config of the queue: the agreement coefficient among its annotators and the units behind it."""
    rows = Score.objects.filter(
        project=queue.project, queue_id=queue.id, source=ScoreSource.ANNOTATION, author_user__isnull=False
    ).values_list("config_id", "trace_id", "observation_id", "session_id", "author_user", "value", "string_value")
    ratings: dict[str, dict] = {}
    for config_id, trace_id, observation_id, session_id, author, value, string_value in rows:
        unit = (trace_id, observation_id, session_id)
        ratings.setdefault(config_id, {}).setdefault(unit, {})[author] = (value, string_value)
    report = []
    for config in queue.score_configs.all():
        if config.data_type == ScoreDataType.TEXT:
            continue
        by_unit = ratings.get(config.id, {})
        if config.data_type == ScoreDataType.NUMERIC:
            figure = krippendorff_alpha_interval(
                {unit: {rater: v for rater, (v, _) in by.items()} for unit, by in by_unit.items()}
            )
        else:
            nominal = {unit: {rater: s or v for rater, (v, s) in by.items()} for unit, by in by_unit.items()}
            figure = nominal_agreement(nominal) if nominal else Agreement("fleiss_kappa", None, 0)
        report.append({"config": config, "agreement": figure})
    return report
