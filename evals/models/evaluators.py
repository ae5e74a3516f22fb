"""Evaluators and their immutable versions: an LLM judge (chat prompt with variables, model, output
definition) or a deterministic check or a semantic similarity; what score each version produces."""

from django.conf import settings
from django.db import models

from aistrale.tenancy.models import Project


class EvaluatorType(models.TextChoices):
    LLM_AS_JUDGE = "llm_as_judge", "LLM as a judge"
    DETERMINISTIC = "deterministic", "Deterministic"
    SEMANTIC_SIMILARITY = "semantic_similarity", "Semantic similarity"


class EvaluatorStatus(models.TextChoices):
    ACTIVE = "active"
    PAUSED = "paused"


class Evaluator(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    type = models.CharField(max_length=32, choices=EvaluatorType.choices)
    status = models.CharField(max_length=16, choices=EvaluatorStatus.choices, default=EvaluatorStatus.ACTIVE)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=64, null=True, blank=True)
    paused_message = models.TextField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Archived: hidden from the API and new rules")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="evaluator_id_unique_per_project"),
            models.UniqueConstraint(fields=["project", "name"], name="evaluator_name_unique_per_project"),
        ]

    def __str__(self):
        return self.name


class EvaluatorVersion(models.Model):
    """One version of an evaluator, never changed once written.

    - llm_as_judge: `prompt` is a chat prompt ([{"role", "content"}] with `{{variable}}` placeholders),
      `variables` the names it uses, `model_provider` the LlmConnection's provider name, `model` and
      `model_parameters`.
    - deterministic: `check_config` = {"kind": "exact_match" | "contains" | "regex" | ..., options...}.
    - semantic_similarity: `check_config` = {"threshold": ...} (optional), embeddings `model` on `model_provider`.
    `output_definition` is the score it produces: {"dataType": NUMERIC|BOOLEAN|CATEGORICAL, "minValue",
    "maxValue", "categories", "scoreName", "scoreValueInstructions", "scoreReasoningInstructions"}.
    `variable_mapping` is the default mapping of variables to trace/observation fields (rules may override).
    """

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    prompt = models.JSONField(null=True, blank=True)
    variables = models.JSONField(default=list, blank=True)
    variable_mapping = models.JSONField(default=list, blank=True)
    model_provider = models.CharField(max_length=255, null=True, blank=True)
    model = models.CharField(max_length=255, null=True, blank=True)
    model_parameters = models.JSONField(null=True, blank=True)
    check_config = models.JSONField(null=True, blank=True)
    output_definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="evaluator_version_id_unique_per_project"),
            models.UniqueConstraint(fields=["evaluator", "version"], name="evaluator_version_unique"),
        ]

    def __str__(self):
        return f"{self.evaluator_id} v{self.version}"

    @property
    def score_name(self) -> str:
        return self.output_definition.get("scoreName") or self.evaluator.name
