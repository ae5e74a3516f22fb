"""Live evaluation: rules choosing which new traces or observations their evaluators judge, and the jobs doing it.

A rule targets traces, observations (narrowed by type and name through its filter), or experiment items (the
root observation of each item an SDK 5.x experiment ran, with the item's expected output), matched by its
`filter` (the Langfuse JSON filter conditions of the trace or observation list). `sampling` keeps a
deterministic share of the matches; a match is judged once no write touched it for `settle_delay_seconds`.
Each assignment names an evaluator; jobs use its latest version. A job is unique per (target, evaluator version),
so a target is judged at most once by each version whatever the rules and later updates.
"""

import uuid

from django.conf import settings
from django.db import models

from aistrale.tenancy.models import Project
from evals.models.evaluators import Evaluator, EvaluatorVersion

DEFAULT_SETTLE_DELAY_SECONDS = 10


def new_rule_id() -> str:
    return str(uuid.uuid4())


class RuleTarget(models.TextChoices):
    TRACE = "trace"
    OBSERVATION = "observation"
    EXPERIMENT = "experiment", "Experiment items"


class EvaluationRule(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255, default=new_rule_id)
    name = models.CharField(max_length=255)
    enabled = models.BooleanField(default=False)
    target = models.CharField(max_length=16, choices=RuleTarget.choices, default=RuleTarget.OBSERVATION)
    filter = models.JSONField(default=list, blank=True)
    sampling = models.FloatField(default=1.0)
    settle_delay_seconds = models.PositiveIntegerField(default=DEFAULT_SETTLE_DELAY_SECONDS)
    daily_budget = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.TextField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="evaluation_rule_id_unique_per_project")]
        indexes = [models.Index(fields=["project", "-created_at"], name="evaluation_rule_project_time")]

    def __str__(self):
        return self.name


class EvaluationRuleEvaluator(models.Model):
    """One evaluator of a rule, in order; `variable_mapping` overrides the evaluator's default (None inherits)."""

    rule = models.ForeignKey(EvaluationRule, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    variable_mapping = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["rule", "position"], name="evaluation_rule_evaluator_position")]

    def __str__(self):
        return f"{self.rule_id}#{self.position}"


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class EvaluationJob(models.Model):
    """One target judged by one evaluator version; `observation_id` is "" for a trace target."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(EvaluationRule, on_delete=models.CASCADE, related_name="jobs")
    evaluator_version = models.ForeignKey(EvaluatorVersion, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=255)
    observation_id = models.CharField(max_length=255, default="", blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    error = models.TextField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    cost = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    score_id = models.CharField(max_length=255, null=True, blank=True)
    judge_trace_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "trace_id", "observation_id", "evaluator_version"],
                name="evaluation_job_unique_per_target_and_version",
            )
        ]
        indexes = [
            models.Index(fields=["rule", "-created_at"], name="evaluation_job_rule_time"),
            models.Index(fields=["status", "due_at"], name="evaluation_job_status_due"),
        ]

    def __str__(self):
        return f"{self.trace_id}/{self.observation_id or '-'} v{self.evaluator_version_id}"

    @property
    def target_label(self) -> str:
        return self.observation_id or self.trace_id
