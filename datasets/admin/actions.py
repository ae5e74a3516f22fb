"""The "Add to dataset" action on the trace and observation lists, and its page choosing the field mapping."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from aistrale.errors import DomainError
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from datasets.models import Dataset
from datasets.services import SOURCE_FIELDS, items_from_sources

MAPPING_LABELS = {
    "input": "its input",
    "output": "its output",
    "metadata": "its metadata",
    "correction": "its corrected output (CORRECTION score)",
}


def _sources(changelist: str, queryset) -> list[tuple[str, str | None]]:
    if changelist == "trace":
        return [(trace_id, None) for trace_id in queryset.values_list("id", flat=True)]
    return list(queryset.values_list("trace_id", "id"))


def _mapping(request, name: str) -> str | None:
    """The source field chosen for an item field; None ("nothing") leaves the item field out."""
    value = request.POST.get(name, "")
    return value if value in SOURCE_FIELDS else None


@admin.action(description="Add to dataset")
def add_to_dataset(modeladmin, request, queryset):
    changelist = modeladmin.extension_changelist
    datasets = Dataset.objects.filter(
        project__in=project_list_for_user(request.user, roles=WRITING_ROLES).values("pk")
    ).select_related("project")
    chosen = request.POST.get("dataset")
    if chosen:
        dataset = datasets.filter(key=chosen).first()
        if dataset is None:
            messages.error(request, "Choose one of your datasets.")
            return None
        sources = _sources(changelist, queryset.filter(project=dataset.project))
        try:
            items = items_from_sources(
                dataset=dataset,
                sources=sources,
                input_from=_mapping(request, "input_from"),
                expected_output_from=_mapping(request, "expected_output_from"),
            )
        except DomainError as error:
            messages.error(request, f"Nothing added to {dataset.name}: {error.field}: {error.message}")
            return None
        left_out = queryset.count() - len(sources)
        note = f"; {left_out} of another project left out" if left_out else ""
        messages.success(request, f"{len(items)} items added to or updated in {dataset.name}{note}.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Add to a dataset",
        "opts": modeladmin.opts,
        "datasets": list(datasets.order_by("project__name", "name")),
        "mappings": list(MAPPING_LABELS.items()),
        "count": queryset.count(),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "datasets/admin/add_to_dataset.html", context)
