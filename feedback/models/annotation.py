"""Annotation queues: the score configs to fill, the annotators assigned, the items and who annotated them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from aistrale.tenancy.models import Project
from evals.models import ScoreConfig

DEFAULT_LOCK_SECONDS = 300


def new_id() -> str:
    return str(uuid.uuid4())


class AnnotationObjectType(models.TextChoices):
    TRACE = "TRACE"
    OBSERVATION = "OBSERVATION"
    SESSION = "SESSION"


class AnnotationItemStatus(models.TextChoices):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"


class AnnotationQueue(models.Model):
    """A list of things to annotate, the score configs each annotation fills, and who may annotate."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255, default=new_id)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    score_configs = models.ManyToManyField(ScoreConfig, blank=True, related_name="+")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="AnnotationQueueAssignment", blank=True, related_name="+"
    )
    annotations_per_item = models.PositiveSmallIntegerField(
        default=1, help_text="Independent annotations an item needs before it is complete."
    )
    lock_seconds = models.PositiveIntegerField(
        default=DEFAULT_LOCK_SECONDS, help_text="How long an opened item stays held for its annotator."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="annotation_queue_id_unique_per_project"),
            models.UniqueConstraint(fields=["project", "name"], name="annotation_queue_name_unique_per_project"),
        ]

    def __str__(self):
        return self.name


class AnnotationQueueAssignment(models.Model):
    """A user assigned to annotate a queue (mirrored as a django-guardian view permission on the queue)."""

    queue = models.ForeignKey(AnnotationQueue, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="annotation_assignment_unique")]

    def __str__(self):
        return f"{self.user} on {self.queue}"


class AnnotationQueueItem(models.Model):
    """A trace, observation or session waiting in a queue; held by one annotator at a time while open."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(AnnotationQueue, on_delete=models.CASCADE, related_name="items", db_index=False)
    id = models.CharField(max_length=255, default=new_id)
    object_id = models.CharField(max_length=1000)
    object_type = models.CharField(max_length=16, choices=AnnotationObjectType.choices)
    status = models.CharField(max_length=16, choices=AnnotationItemStatus.choices, default=AnnotationItemStatus.PENDING)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "id"], name="annotation_item_id_unique_per_queue"),
            models.UniqueConstraint(
                fields=["queue", "object_type", "object_id"], name="annotation_item_object_unique_per_queue"
            ),
        ]
        indexes = [
            models.Index(fields=["queue", "key"], condition=Q(status="PENDING"), name="annotation_item_pending"),
            models.Index(fields=["locked_by", "locked_until"], name="annotation_item_held"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.object_id}"


class ItemAnnotation(models.Model):
    """One annotator's completed annotation of an item; an item completes after the queue's count of them."""

    item = models.ForeignKey(AnnotationQueueItem, on_delete=models.CASCADE, related_name="annotations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="item_annotation_once_per_user")]

    def __str__(self):
        return f"{self.user} on {self.item}"


class AnnotationQueueFilter(models.Model):
    """A saved trace filter that fills a queue when run: name, tags, user, a window back from now, a score."""

    class Operator(models.TextChoices):
        LT = "<"
        LTE = "<="
        EQ = "="
        GTE = ">="
        GT = ">"

    queue = models.ForeignKey(AnnotationQueue, on_delete=models.CASCADE, related_name="filters")
    label = models.CharField(max_length=255)
    trace_name = models.CharField(max_length=1000, blank=True, default="")
    tags = models.JSONField(default=list, blank=True, help_text="Traces carrying any of these tags.")
    user_id = models.CharField(max_length=1000, blank=True, default="")
    window = models.DurationField(null=True, blank=True, help_text="Only traces this recent, e.g. 7 days.")
    score_name = models.CharField(max_length=1000, blank=True, default="")
    score_operator = models.CharField(max_length=2, choices=Operator.choices, blank=True, default="")
    score_value = models.FloatField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "label"], name="annotation_filter_label_unique")]

    def __str__(self):
        return self.label
