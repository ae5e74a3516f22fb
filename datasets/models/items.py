"""Datasets and their items; every change of an item is also kept as a version, so a dataset reads as of any time.

A dataset's version is a timestamp: the items as of version V are, per item, the DatasetItemVersion with the
latest `valid_from` at or before V that is not a deletion.

Item and version rows are written by the hundred thousand on imports, so they carry only the indexes their
reads use: the foreign keys' own indexes would repeat the leading columns of the composite ones. Their project
is their dataset's (the dataset key is the checked foreign key), so the project key is not checked a second
time per row; deleting a project still deletes them (Django's cascade).
"""

from django.db import models

from aistrale.tenancy.models import Project


class DatasetStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class Dataset(models.Model):
    """A named set of items (`/` in the name makes folders), with optional JSON Schemas for its items."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    name = models.CharField(max_length=1000)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    input_schema = models.JSONField(null=True, blank=True)
    expected_output_schema = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="dataset_id_unique_per_project"),
            models.UniqueConstraint(fields=["project", "name"], name="dataset_name_unique_per_project"),
        ]

    def __str__(self):
        return self.name


class DatasetItem(models.Model):
    """An item's current state; `version` is when that state became current."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    id = models.CharField(max_length=255)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items", db_index=False)
    input = models.JSONField(null=True, blank=True)
    expected_output = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    source_trace_id = models.CharField(max_length=255, null=True, blank=True)
    source_observation_id = models.CharField(max_length=255, null=True, blank=True)
    status = models.CharField(max_length=16, choices=DatasetStatus.choices, default=DatasetStatus.ACTIVE)
    version = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="dataset_item_id_unique_per_project")]
        indexes = [models.Index(fields=["dataset", "-created_at", "id"], name="dataset_item_dataset_created")]

    def __str__(self):
        return self.id


class DatasetItemVersion(models.Model):
    """One state of an item from `valid_from` on; `is_deleted` marks the item's deletion at that time."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="item_versions", db_index=False)
    item_id = models.CharField(max_length=255)
    valid_from = models.DateTimeField()
    input = models.JSONField(null=True, blank=True)
    expected_output = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    source_trace_id = models.CharField(max_length=255, null=True, blank=True)
    source_observation_id = models.CharField(max_length=255, null=True, blank=True)
    status = models.CharField(max_length=16, choices=DatasetStatus.choices, default=DatasetStatus.ACTIVE)
    is_deleted = models.BooleanField(default=False)
    item_created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "item_id", "-valid_from"], name="dataset_item_version_lookup"),
            models.Index(fields=["dataset", "valid_from"], name="dataset_item_version_time"),
            models.Index(fields=["project"], name="dataset_item_version_project"),
        ]

    def __str__(self):
        return f"{self.item_id} @ {self.valid_from.isoformat()}"
