"""The run comparison page: pick two or more runs of one dataset, see them side by side (datasets.comparison).

`RunComparisonAdminMixin` adds the page (`compare/`) and the "Compare selected runs" action to a DatasetRun
admin (datasets.admin.runs carries it).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from aistrale import display, json_text
from aistrale.errors import DomainError
from aistrale.tenancy.selectors import project_list_for_user
from datasets.comparison import comparison_runs, run_comparison
from datasets.models import Dataset
from observability.admin.links import trace_id_url

PREVIEW_CHARS = 240
ROWS_PER_PAGE = 100


def preview(value) -> str:
    """A value as short text for a table cell."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json_text.dumps(value).decode()
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _score_text(value) -> str:
    return display.figure(value) if isinstance(value, float) else str(value)


def _cell(project_id, cell, score_names) -> dict | None:
    if cell is None:
        return None
    return {
        "output": preview(cell.output),
        "url": trace_id_url(project_id, cell.trace_id),
        "scores": [(name, _score_text(cell.scores[name])) for name in score_names if name in cell.scores],
        "latency": display.duration(cell.latency),
        "cost": display.money(cell.cost),
    }


def comparison_context(comparison, *, page: str | None = None) -> dict:
    """What the page shows of a comparison: aggregates and differences over every item, one page of rows."""
    project_id = comparison.dataset.project_id
    rows = Paginator(comparison.rows, ROWS_PER_PAGE).get_page(page)
    names = comparison.score_names
    numeric = list(comparison.summaries[0].scores)
    return {
        "runs": comparison.runs,
        "numeric_names": numeric,
        "summaries": [
            {
                "run": summary.run,
                "items": summary.items,
                "scores": [display.figure(summary.scores[name]) for name in numeric],
                "run_scores": [(name, _score_text(value)) for name, value in summary.run_scores.items()],
                "latency": display.duration(summary.mean_latency),
                "cost": display.money(summary.total_cost),
            }
            for summary in comparison.summaries
        ],
        "differences": [
            {
                "name": difference.name,
                "candidate": difference.candidate,
                "interval": difference.interval,
                "text": None
                if difference.interval is None
                else {
                    "difference": f"{difference.interval.difference:+.4g}",
                    "low": f"{difference.interval.low:+.4g}",
                    "high": f"{difference.interval.high:+.4g}",
                },
            }
            for difference in comparison.differences
        ],
        "item_count": len(comparison.rows),
        "page": rows,
        "rows": [
            {
                "item_id": row.item_id,
                "input": preview(row.input),
                "expected_output": preview(row.expected_output),
                "cells": [_cell(project_id, cell, names) for cell in row.cells],
            }
            for row in rows
        ],
    }


def _run_keys(request) -> list[int]:
    try:
        return [int(value) for value in request.GET.getlist("runs")]
    except ValueError:
        raise DomainError("runs must be run numbers", field="runs") from None


def comparison_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    datasets = Dataset.objects.filter(project__in=project_list_for_user(request.user)).order_by("name", "key")
    dataset = None
    if request.GET.get("dataset"):
        dataset = datasets.filter(key=request.GET["dataset"]).first() if request.GET["dataset"].isdigit() else None
        if dataset is None:
            messages.error(request, "dataset: no such dataset among your projects")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Compare runs of {dataset.name}" if dataset else "Compare runs",
        "datasets": datasets.select_related("project"),
        "dataset": dataset,
        "dataset_runs": list(dataset.runs.order_by("-created_at", "-key")) if dataset else [],
        "picked": [],
        "comparison": None,
    }
    if dataset is not None and request.GET.getlist("runs"):
        try:
            runs = comparison_runs(dataset=dataset, run_keys=_run_keys(request))
        except DomainError as error:
            messages.error(request, f"{error.field}: {error.message}")
        else:
            context["picked"] = [run.key for run in runs]
            comparison = run_comparison(dataset=dataset, runs=runs)
            context["comparison"] = comparison_context(comparison, page=request.GET.get("page"))
            context["page_query"] = urlencode({"dataset": dataset.pk, "runs": context["picked"]}, doseq=True)
    return TemplateResponse(request, "datasets/admin/comparison.html", context)


class RunComparisonAdminMixin:
    """The comparison page and the changelist action opening it on the selected runs."""

    def get_actions(self, request):
        """The host admin's actions and this one (kept off the `actions` attribute, which the host may set)."""
        actions = super().get_actions(request)
        actions["compare_runs"] = self.get_action("compare_runs")
        return actions

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: comparison_view(self, request))
        return [path("compare/", view, name="datasets_run_comparison"), *super().get_urls()]

    @admin.action(description="Compare selected runs")
    def compare_runs(self, request, queryset):
        runs = list(queryset.order_by("created_at", "key"))
        if len(runs) < 2 or len({run.dataset_id for run in runs}) != 1 or runs[0].dataset_id is None:
            self.message_user(request, "Pick two or more runs of one dataset to compare.", messages.ERROR)
            return None
        query = urlencode({"dataset": runs[0].dataset_id, "runs": [run.key for run in runs]}, doseq=True)
        return HttpResponseRedirect(f"{reverse('admin:datasets_run_comparison')}?{query}")
