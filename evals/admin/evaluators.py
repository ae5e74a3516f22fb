"""Evaluators in the admin: the list, a page per evaluator with its version history, create (from scratch or
from the built-in library), edit (a definition change is the next version), archive, and "try it": the latest
version run on pasted values, showing the filled prompt and the verdict (or the error) without storing a score.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from aistrale.errors import DomainError
from aistrale.tenancy.admin_errors import form_error_add
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from evals import selectors
from evals.admin.evaluator_forms import EvaluatorForm, LibraryForm, TryForm
from evals.evaluators.library import LIBRARY
from evals.evaluators.runner import evaluator_run
from evals.models import Evaluator, EvaluatorVersion
from evals.services.evaluators import (
    evaluator_create,
    evaluator_create_from_library,
    evaluator_set_archived,
    evaluator_update,
    evaluator_version_create,
)

DEFINITION_FIELDS = (
    "prompt",
    "model_provider",
    "model",
    "model_parameters",
    "check_config",
    "output_definition",
    "variable_mapping",
)


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "Not archived"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(archived_at__isnull=self.value() == "no")
        return queryset


def _latest(field: str) -> Subquery:
    return Subquery(EvaluatorVersion.objects.filter(evaluator=OuterRef("pk")).order_by("-version").values(field)[:1])


@admin.register(Evaluator)
class EvaluatorAdmin(ProjectScopedAdmin):
    list_display = ("name", "type", "latest_version", "model_shown", "status", "is_archived", "project", "updated_at")
    list_filter = ("type", "status", ArchivedFilter)
    search_fields = ("name", "id", "description")
    list_select_related = ("project__organization",)
    change_list_template = "evals/admin/evaluator_change_list.html"
    actions = ("archive", "restore")

    def has_delete_permission(self, request, obj=None):
        """Evaluators are archived, never deleted: their versions are what jobs and scores point at."""
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(latest=_latest("version"), latest_model=_latest("model"))

    @admin.display(description="version", ordering="latest")
    def latest_version(self, evaluator):
        return evaluator.latest

    @admin.display(description="model")
    def model_shown(self, evaluator):
        return evaluator.latest_model or "—"

    @admin.display(description="archived", boolean=True)
    def is_archived(self, evaluator):
        return evaluator.archived_at is not None

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("library/", wrap(self.library_view), name=f"{name}_library"),
            path("<path:object_id>/versions/new/", wrap(self.version_add_view), name=f"{name}_version_add"),
            path("<path:object_id>/try/", wrap(self.try_view), name=f"{name}_try"),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=args)

    def _visible(self, request, object_id) -> Evaluator:
        evaluator = self.get_object(request, unquote(object_id))
        if evaluator is None or not self.has_view_permission(request, evaluator):
            raise Http404(f"No evaluator with id {object_id!r} in your projects.")
        return evaluator

    def _writable(self, request, object_id) -> Evaluator:
        evaluator = self._visible(request, object_id)
        if not self.has_change_permission(request, evaluator):
            raise PermissionDenied
        return evaluator

    def _render(self, request, template: str, evaluator: Evaluator | None, title: str, **context):
        return TemplateResponse(
            request,
            f"evals/admin/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "evaluator": evaluator,
                "can_write": evaluator is not None and self.has_change_permission(request, evaluator),
                **context,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluator = self._visible(request, object_id)
        versions = list(selectors.evaluator_version_list(evaluator=evaluator))
        return self._render(
            request,
            "evaluator.html",
            evaluator,
            evaluator.name,
            versions=versions,
            latest=versions[0] if versions else None,
            version_add_url=self._url("version_add", evaluator.pk),
            try_url=self._url("try", evaluator.pk),
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._definition_form(request, None)

    def version_add_view(self, request, object_id):
        return self._definition_form(request, self._writable(request, object_id))

    def _definition_form(self, request, evaluator: Evaluator | None):
        latest = selectors.evaluator_latest_version(evaluator) if evaluator else None
        initial = EvaluatorForm.initial_of(evaluator, latest) if evaluator else {}
        form = EvaluatorForm(request.POST or None, evaluator=evaluator, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            saved = self._save_definition(request, evaluator, form)
            if saved is not None:
                return HttpResponseRedirect(reverse("admin:evals_evaluator_change", args=(saved.pk,)))
        title = f"Edit {evaluator.name}" if evaluator else "New evaluator"
        return self._render(request, "evaluator_form.html", evaluator, title, form=form, latest=latest)

    def _save_definition(self, request, evaluator: Evaluator | None, form: EvaluatorForm) -> Evaluator | None:
        data = form.cleaned_data
        try:
            if evaluator is None:
                created = evaluator_create(
                    project=data["project"],
                    name=data["name"],
                    description=data["description"] or None,
                    type=data["type"],
                    created_by=request.user,
                    **form.definition(),
                )
                messages.success(request, f"Created {created.name} version 1.")
                return created
            if {"name", "description"} & set(form.changed_data):
                evaluator_update(evaluator=evaluator, name=data["name"], description=data["description"] or None)
            if set(DEFINITION_FIELDS) & set(form.changed_data):
                version = evaluator_version_create(evaluator=evaluator, created_by=request.user, **form.definition())
                messages.success(request, f"Created {evaluator.name} version {version.version}.")
            return evaluator
        except DomainError as error:
            form_error_add(form, error)
            return None

    def library_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LibraryForm(request.POST or None, user=request.user, initial={"template": request.GET.get("template")})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                created = evaluator_create_from_library(
                    project=data["connection"].project,
                    template=data["template"],
                    model_provider=data["connection"].provider,
                    model=data["model"],
                    name=data["name"] or None,
                    created_by=request.user,
                )
            except DomainError as error:
                form_error_add(form, error)
            else:
                messages.success(request, f"Created {created.name} from the library.")
                return HttpResponseRedirect(reverse("admin:evals_evaluator_change", args=(created.pk,)))
        return self._render(request, "evaluator_library.html", None, "Evaluator library", form=form, library=LIBRARY)

    def try_view(self, request, object_id):
        evaluator = self._visible(request, object_id)
        version = selectors.evaluator_latest_version(evaluator)
        form = TryForm(request.POST or None, variables=version.variables)
        verdict = error = None
        if request.method == "POST" and form.is_valid():
            if not self.has_change_permission(request, evaluator):
                raise PermissionDenied
            try:
                verdict = evaluator_run(version=version, variables=form.variables(), trace_metadata={"preview": True})
            except DomainError as failure:
                error = f"{failure.field}: {failure.message}" if failure.field else failure.message
        return self._render(
            request,
            "evaluator_try.html",
            evaluator,
            f"Try {evaluator.name}",
            form=form,
            version=version,
            verdict=verdict,
            error=error,
        )

    def _set_archived(self, request, queryset, archived: bool):
        for evaluator in queryset:
            if self.has_change_permission(request, evaluator):
                evaluator_set_archived(evaluator=evaluator, archived=archived)
        self.message_user(
            request, f"{'Archived' if archived else 'Restored'} the selected evaluators.", messages.SUCCESS
        )

    @admin.action(description="Archive the selected evaluators (versions, jobs and scores are kept)")
    def archive(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description="Restore the selected evaluators")
    def restore(self, request, queryset):
        self._set_archived(request, queryset, False)
