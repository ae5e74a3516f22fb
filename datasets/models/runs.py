"""Experiment runs over a dataset and the item each run executed, linked to the trace it produced."""

from django.db import models

from aistrale.tenancy.models import Project
from datasets.models.items import Dataset


class DatasetRun(models.Model):
    """One experiment, over a dataset (its name is unique within the dataset) or over local data (no dataset)."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="runs", null=True, blank=True)
    name = models.CharField(max_length=1000)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="dataset_run_id_unique_per_project"),
            models.UniqueConstraint(fields=["dataset", "name"], name="dataset_run_name_unique_per_dataset"),
        ]
        indexes = [models.Index(fields=["dataset", "-created_at"], name="dataset_run_dataset_created")]

    def __str__(self):
        return self.name


class DatasetRunItem(models.Model):
    """A run's execution of one item (as of `item_version`), linked to its trace and optional observation.

    Experiments sent as OTLP spans also record what the span carried: the expected output and item metadata
    (the item of a local-data experiment exists only there) and the item's start and end time.
    """

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    run = models.ForeignKey(DatasetRun, on_delete=models.CASCADE, related_name="run_items")
    dataset_item_id = models.CharField(max_length=255)
    item_version = models.DateTimeField(null=True, blank=True)
    trace_id = models.CharField(max_length=255)
    observation_id = models.CharField(max_length=255, null=True, blank=True)
    expected_output = models.JSONField(null=True, blank=True)
    item_metadata = models.JSONField(null=True, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="dataset_run_item_id_unique_per_project")]
        indexes = [
            models.Index(fields=["run", "dataset_item_id"], name="dataset_run_item_run_item"),
            models.Index(fields=["project", "trace_id"], name="dataset_run_item_trace"),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.dataset_item_id}"
