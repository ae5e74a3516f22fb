"""The model price table: global defaults (project None) and project overrides, matched by regex."""

from django.db import models

from aistrale.tenancy.ids import new_id
from aistrale.tenancy.models import Project


class ModelUsageUnit(models.TextChoices):
    CHARACTERS = "CHARACTERS"
    TOKENS = "TOKENS"
    MILLISECONDS = "MILLISECONDS"
    SECONDS = "SECONDS"
    IMAGES = "IMAGES"
    REQUESTS = "REQUESTS"


class ModelDefinition(models.Model):
    """A model's name, match pattern and tokenizer; its prices live in its pricing tiers."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=255)
    match_pattern = models.CharField(max_length=1000)
    start_date = models.DateTimeField(null=True, blank=True)
    unit = models.CharField(max_length=16, choices=ModelUsageUnit.choices, null=True, blank=True)
    tokenizer_id = models.CharField(max_length=255, null=True, blank=True)
    tokenizer_config = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "model_name"], name="modeldef_project_name")]

    def __str__(self):
        return self.model_name

    @property
    def is_managed(self) -> bool:
        return self.project_id is None


class PricingTier(models.Model):
    """Prices by usage type; the default tier (priority 0, no conditions) applies when no other matches."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    model = models.ForeignKey(ModelDefinition, on_delete=models.CASCADE, related_name="pricing_tiers")
    name = models.CharField(max_length=255)
    is_default = models.BooleanField(default=False)
    priority = models.IntegerField(default=0)
    conditions = models.JSONField(default=list, blank=True)
    prices = models.JSONField(default=dict)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["model", "name"], name="pricing_tier_name_unique"),
            models.UniqueConstraint(fields=["model", "priority"], name="pricing_tier_priority_unique"),
        ]

    def __str__(self):
        return f"{self.model} / {self.name}"
