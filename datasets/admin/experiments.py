"""The "Run experiment" page and the experiment view of a run: progress and each item's status or error.

`ExperimentRunAdmin` extends the runs admin (datasets.admin.runs) with the page (`experiment/`), a link to it on
the changelist, and the run page's progress; the rules live in datasets.experiments.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from aistrale.errors import DomainError
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.admin_scoping import has_projects
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from datasets.admin.forms import OptionalJSONField
from datasets.admin.runs import DatasetRunAdmin
from datasets.experiments.selectors import experiment_jobs, experiment_progress
from datasets.experiments.services import MAX_CONCURRENCY, experiment_start
from datasets.models import Dataset, DatasetRun
from evals.models import EvaluatorVersion
from observability.admin.links import trace_id_url
from prompts.models import PromptVersion

FORM_FIELDS = {
    "dataset",
    "prompt_version",
    "connection",
    "model",
    "model_parameters",
    "evaluator_versions",
    "name",
    "concurrency",
}


class ExperimentForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    dataset_version = forms.DateTimeField(required=False, help_text="run the items as of this time; blank: current")
    prompt_version = forms.ModelChoiceField(queryset=PromptVersion.objects.none())
    connection = forms.ModelChoiceField(queryset=LlmConnection.objects.none(), label="LLM connection")
    model = forms.CharField()
    model_parameters = OptionalJSONField(help_text='e.g. {"temperature": 0, "max_tokens": 256}')
    evaluator_versions = forms.ModelMultipleChoiceField(
        queryset=EvaluatorVersion.objects.none(), required=False, label="Evaluators"
    )
    name = forms.CharField(label="Run name")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))
    concurrency = forms.IntegerField(initial=4, min_value=1, max_value=MAX_CONCURRENCY)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = (
            Dataset.objects.filter(project__in=projects).select_related("project").order_by("name", "key")
        )
        self.fields["prompt_version"].queryset = (
            PromptVersion.objects.filter(project__in=projects)
            .select_related("prompt")
            .order_by("prompt__name", "-version")
        )
        self.fields["connection"].queryset = LlmConnection.objects.filter(project__in=projects).order_by("provider")
        self.fields["evaluator_versions"].queryset = (
            EvaluatorVersion.objects.filter(project__in=projects)
            .select_related("evaluator")
            .order_by("evaluator__name", "-version")
        )
        self.fields["evaluator_versions"].label_from_instance = lambda v: f"{v.evaluator.name} v{v.version}"


def experiment_view(model_admin, request):
    if not has_projects(request, WRITING_ROLES):
        raise PermissionDenied
    projects = project_list_for_user(request.user, roles=WRITING_ROLES)
    initial = {"dataset": request.GET.get("dataset")} if request.GET.get("dataset", "").isdigit() else {}
    form = ExperimentForm(request.POST or None, initial=initial, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = experiment_start(
                dataset=data["dataset"],
                version=data["dataset_version"],
                prompt_version=data["prompt_version"],
                connection=data["connection"],
                model=data["model"],
                model_parameters=data["model_parameters"],
                evaluator_versions=list(data["evaluator_versions"]),
                name=data["name"],
                description=data["description"] or None,
                concurrency=data["concurrency"],
            )
        except DomainError as error:
            field = error.field if error.field in FORM_FIELDS else None
            form.add_error(field, error.message if field else f"{error.field}: {error.message}")
        else:
            messages.success(request, f"Started experiment {run.name} over {data['dataset'].name}.")
            return HttpResponseRedirect(reverse("admin:datasets_datasetrun_change", args=[run.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Run experiment",
        "form": form,
    }
    return TemplateResponse(request, "datasets/admin/experiment.html", context)


class ExperimentRunAdmin(DatasetRunAdmin):
    """The runs admin with the "Run experiment" page and, on a server-side run's page, its progress."""

    fields = (*DatasetRunAdmin.fields[:5], "experiment", *DatasetRunAdmin.fields[5:])
    readonly_fields = fields
    change_list_template = "datasets/admin/experiment_run_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: experiment_view(self, request))
        return [path("experiment/", view, name="datasets_experiment"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "experiment_url": reverse("admin:datasets_experiment")}
        return super().changelist_view(request, extra_context)

    @admin.display(description="experiment")
    def experiment(self, run):
        jobs = list(experiment_jobs(run=run))
        if not jobs:
            return "-"
        rows = [{"job": job, "trace_url": job.trace_id and trace_id_url(run.project_id, job.trace_id)} for job in jobs]
        return render_to_string(
            "datasets/admin/experiment_progress.html", {"progress": experiment_progress(run=run), "rows": rows}
        )


admin.site.unregister(DatasetRun)
admin.site.register(DatasetRun, ExperimentRunAdmin)
