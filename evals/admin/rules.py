"""Evaluation rules in the admin: create and edit through the services, with a preview that runs the evaluator
on one chosen trace or observation and shows the filled prompt and the verdict before saving; the rule page
(its change view) shows the jobs, the score distribution, spend per day, judge calibration and a backfill form."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse

from aistrale.display import money
from aistrale.errors import DomainError
from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors, form_error_add
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from aistrale.tenancy.selectors import project_list_for_user
from evals.admin.score_configs import OptionalJSONField
from evals.live import selectors
from evals.live.calibration import evaluation_rule_calibration
from evals.live.jobs import evaluation_rule_backfill, rule_spend_today
from evals.live.preview import evaluation_rule_preview
from evals.live.services import evaluation_rule_create, evaluation_rule_update
from evals.models import EvaluationRule, EvaluationRuleEvaluator, Evaluator, JobStatus

JOBS_SHOWN = 50


class EvaluationRuleForm(forms.ModelForm):
    evaluators = forms.ModelMultipleChoiceField(
        queryset=Evaluator.objects.none(), required=False, help_text="Jobs use each evaluator's latest version."
    )
    variable_mapping = OptionalJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Optional: [{"variable": "answer", "source": "output", "jsonPath": "$.text"}]; '
        "empty inherits each evaluator's default mapping.",
    )
    filter = forms.JSONField(
        required=False,
        initial=list,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Langfuse filter conditions, e.g. [{"type": "string", "column": "name", "operator": "=", '
        '"value": "chat"}]; observations filter on type and name too.',
    )
    preview_trace_id = forms.CharField(required=False, label="Preview on trace")
    preview_observation_id = forms.CharField(required=False, label="Preview on observation")

    class Meta:
        model = EvaluationRule
        fields = (
            "project",
            "name",
            "enabled",
            "target",
            "evaluators",
            "variable_mapping",
            "filter",
            "sampling",
            "settle_delay_seconds",
            "daily_budget",
        )


@admin.register(EvaluationRule)
class EvaluationRuleAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = EvaluationRuleForm
    change_form_template = "evals/admin/evaluation_rule_change_form.html"
    list_display = ("name", "target", "enabled", "paused", "sampling", "evaluator_names", "job_counts", "project")
    list_filter = ("enabled", "target")
    search_fields = ("name", "id")
    list_select_related = ("project__organization",)
    fieldsets = (
        (None, {"fields": ("project", "name", "enabled", "target", "evaluators", "variable_mapping")}),
        ("Which targets", {"fields": ("filter", "sampling", "settle_delay_seconds", "daily_budget")}),
        ("Preview before saving", {"fields": ("preview_trace_id", "preview_observation_id")}),
    )

    def get_queryset(self, request):
        assignments = EvaluationRuleEvaluator.objects.select_related("evaluator").order_by("position")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("assignments", queryset=assignments))
            .annotate(
                succeeded=Count("jobs", filter=Q(jobs__status=JobStatus.SUCCEEDED)),
                failed=Count("jobs", filter=Q(jobs__status=JobStatus.FAILED)),
                waiting=Count("jobs", filter=Q(jobs__status__in=[JobStatus.PENDING, JobStatus.RUNNING])),
            )
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        projects = project_list_for_user(request.user)
        form.base_fields["evaluators"].queryset = Evaluator.objects.filter(project__in=projects).order_by("name")
        if obj is not None:
            form.base_fields["evaluators"].initial = [a.evaluator for a in obj.assignments.all()]
            mappings = [a.variable_mapping for a in obj.assignments.all() if a.variable_mapping]
            form.base_fields["variable_mapping"].initial = mappings[0] if mappings else None
        return form

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj else ()

    @admin.display(description="paused")
    def paused(self, rule):
        return rule.paused_reason or ""

    @admin.display(description="evaluators")
    def evaluator_names(self, rule):
        return ", ".join(assignment.evaluator.name for assignment in rule.assignments.all())

    @admin.display(description="jobs ok / failed / waiting")
    def job_counts(self, rule):
        return f"{rule.succeeded} / {rule.failed} / {rule.waiting}"

    def _assignments(self, data) -> list[dict]:
        mapping = data.get("variable_mapping") or None
        return [{"evaluator_id": e.id, "variable_mapping": mapping} for e in data.get("evaluators") or []]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "enabled": data["enabled"],
            "target": data["target"],
            "filter": data.get("filter") or [],
            "sampling": data["sampling"],
            "settle_delay_seconds": data["settle_delay_seconds"],
            "daily_budget": data.get("daily_budget"),
            "evaluator_assignments": self._assignments(data),
        }
        if not change:
            created = evaluation_rule_create(project=data["project"], created_by=request.user, **fields)
            obj.pk, obj.id = created.pk, created.id
            return
        evaluation_rule_update(rule=EvaluationRule.objects.get(pk=obj.pk), **fields)

    def save_related(self, request, form, formsets, change):
        """The assignments are written by the services in save_model."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return self._preview_view(request, object_id, extra_context)
        if object_id is not None:
            rule = self.get_object(request, unquote(object_id))
            if rule is not None:
                extra_context = {**(extra_context or {}), **self._rule_page(request, rule)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _rule_page(self, request, rule) -> dict:
        status = request.GET.get("job_status")
        jobs = selectors.evaluation_job_list(rule=rule)
        if status in JobStatus.values:
            jobs = jobs.filter(status=status)
        return {
            "rule": rule,
            "jobs": list(jobs[:JOBS_SHOWN]),
            "job_status": status if status in JobStatus.values else "",
            "job_statuses": JobStatus.values,
            "status_counts": selectors.evaluation_rule_status_counts(rule=rule),
            "distribution": selectors.evaluation_rule_score_distribution(rule=rule),
            "spend": [{**row, "cost": money(row["cost"])} for row in selectors.evaluation_rule_spend(rule=rule)],
            "spent_today": money(rule_spend_today(rule=rule)),
            "budget": money(rule.daily_budget),
            "calibration": evaluation_rule_calibration(rule=rule),
            "backfill_url": reverse("admin:evals_evaluationrule_backfill", args=[rule.pk]),
        }

    def _preview_view(self, request, object_id, extra_context):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        if not allowed or (object_id and obj is None):
            raise PermissionDenied
        form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            evaluators = list(data.get("evaluators") or [])
            project = obj.project if obj else data["project"]
            try:
                if not evaluators:
                    raise DomainError("choose an evaluator to preview", field="evaluators")
                preview = evaluation_rule_preview(
                    project=project,
                    evaluator=evaluators[0],
                    target=data["target"],
                    trace_id=data.get("preview_trace_id") or "",
                    observation_id=data.get("preview_observation_id") or None,
                    variable_mapping=data.get("variable_mapping") or None,
                )
            except DomainError as error:
                form_error_add(form, error)
        fieldsets = list(self.get_fieldsets(request, obj))
        admin_form = helpers.AdminForm(form, fieldsets, {}, self.get_readonly_fields(request, obj), model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview evaluation rule",
            "subtitle": None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "preview": preview,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=obj is None, change=obj is not None, obj=obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:key>/backfill/", view(self.backfill_view), name="evals_evaluationrule_backfill"),
            *super().get_urls(),
        ]

    def backfill_view(self, request, key):
        rule = self.get_queryset(request).filter(pk=key).first()
        if rule is None:
            raise Http404("No evaluation rule of yours has this id.")
        if request.method != "POST" or not self.has_change_permission(request, rule):
            raise PermissionDenied
        form = BackfillForm(request.POST)
        change_url = reverse("admin:evals_evaluationrule_change", args=[rule.pk])
        if not form.is_valid():
            self.message_user(request, f"Backfill: {form.errors.as_text()}", messages.ERROR)
            return redirect(change_url)
        try:
            scheduled = evaluation_rule_backfill(rule=rule, **form.cleaned_data)
        except DomainError as error:
            self.message_user(request, f"Backfill: {error.message}", messages.ERROR)
            return redirect(change_url)
        self.message_user(request, f"Backfill scheduled {scheduled} new jobs.", messages.SUCCESS)
        return redirect(change_url)


class BackfillForm(forms.Form):
    start = forms.DateTimeField()
    end = forms.DateTimeField()
