"""Media (images, audio, documents) uploaded for traces, stored once per project per SHA-256, and their links.

A Media row is made when a client announces an upload (`POST /api/public/media`); its bytes arrive later
through a signed single-use upload URL and go to Django's storage (`storage_path`); `uploaded_at` is set
once they are stored. A MediaLink records where the media was referenced from: a trace (and
observation) field, or a dataset item field. Empty strings stand for "none" so links stay unique.
"""

from django.db import models

from aistrale.tenancy.models import Project


class Media(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=64)
    sha256_hash = models.CharField(max_length=44)
    content_type = models.CharField(max_length=255)
    content_length = models.BigIntegerField()
    storage_path = models.CharField(max_length=1024, blank=True, default="")
    upload_nonce = models.CharField(max_length=64, blank=True, default="")
    uploaded_at = models.DateTimeField(null=True, blank=True)
    reported_status = models.IntegerField(null=True, blank=True)
    reported_error = models.TextField(null=True, blank=True)
    reported_time_ms = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "media"
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="media_id_unique_per_project"),
            models.UniqueConstraint(fields=["project", "sha256_hash"], name="media_sha_unique_per_project"),
        ]

    def __str__(self):
        return f"{self.content_type} {self.id}"


class MediaLink(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="links")
    trace_id = models.CharField(max_length=255, blank=True, default="")
    observation_id = models.CharField(max_length=255, blank=True, default="")
    dataset_id = models.CharField(max_length=255, blank=True, default="")
    dataset_item_id = models.CharField(max_length=255, blank=True, default="")
    field = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["media", "trace_id", "observation_id", "dataset_id", "dataset_item_id", "field"],
                name="media_link_unique",
            )
        ]
        indexes = [models.Index(fields=["project", "trace_id"], name="media_link_project_trace")]

    def __str__(self):
        return f"{self.field} of {self.trace_id or self.dataset_item_id}"
