"""The prompt list and each prompt's pages: history, insights, diff, labels and new versions."""

import difflib

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from aistrale import display
from aistrale.errors import DomainError
from aistrale.tenancy.admin_errors import form_error_add
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from aistrale.tenancy.selectors import project_can_manage
from prompts.admin.display import content_lines, folder_of, pretty_json
from prompts.admin.forms import DiffForm, LabelForm, PromptVersionForm
from prompts.admin.list_filters import FolderFilter, LabelFilter
from prompts.extensions import page_panels
from prompts.insights import version_insights
from prompts.models import PRODUCTION_LABEL, Prompt, PromptType, PromptVersion
from prompts.playground.urls import playground_urls
from prompts.selectors import (
    prompt_annotate_latest,
    prompt_label_history,
    prompt_search,
    prompt_version_list,
    protected_label_name_list,
)
from prompts.services import prompt_delete, prompt_label_remove, prompt_labels_set, prompt_version_create


@admin.register(Prompt)
class PromptAdmin(ProjectScopedAdmin):
    """The prompt list and each prompt's page: history, insights, diff, labels and new versions."""

    list_display = ("name", "folder", "label_list", "latest_version", "tag_list", "updated_at", "project")
    list_filter = (FolderFilter, LabelFilter)
    search_fields = ("name",)
    search_help_text = "Searches names, tags and the content of every version."
    list_select_related = ("project__organization",)
    ordering = ("-updated_at",)
    actions = None

    def get_queryset(self, request):
        return prompt_annotate_latest(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        return prompt_search(queryset, search_term), False

    @admin.display(description="Folder")
    def folder(self, obj):
        return folder_of(obj.name)

    @admin.display(description="Labels")
    def label_list(self, obj):
        return ", ".join(f"{label.name}: v{label.version.version}" for label in obj.labels.all())

    @admin.display(description="Latest", ordering="latest")
    def latest_version(self, obj):
        return f"v{obj.latest}" if obj.latest else ""

    @admin.display(description="Tags")
    def tag_list(self, obj):
        return ", ".join(obj.tags or [])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *playground_urls(self.admin_site),
            path("<path:object_id>/versions/new/", wrap(self.version_add_view), name=f"{name}_version_add"),
            path("<path:object_id>/versions/<int:number>/", wrap(self.version_view), name=f"{name}_version"),
            path("<path:object_id>/diff/", wrap(self.diff_view), name=f"{name}_diff"),
            path("<path:object_id>/labels/", wrap(self.labels_view), name=f"{name}_labels"),
            *super().get_urls(),
        ]

    def _url(self, view: str, prompt: Prompt, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}", args=(prompt.pk, *args))

    def _visible_prompt(self, request, object_id) -> Prompt:
        prompt = self.get_object(request, unquote(object_id))
        if prompt is None or not self.has_view_permission(request, prompt):
            raise Http404(f"No prompt with id {object_id!r} in your projects.")
        return prompt

    def _render(self, request, template: str, prompt: Prompt | None, title: str, **context):
        return TemplateResponse(
            request,
            f"prompts/admin/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "prompt": prompt,
                "can_write": prompt is not None and self.has_change_permission(request, prompt),
                **context,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        prompt = self._visible_prompt(request, object_id)
        versions = prompt_version_list(prompt=prompt)
        insights = version_insights(prompt)
        columns = list(dict.fromkeys(title for figures in insights.values() for title in figures))
        numbers = [version.version for version in versions]
        protected = protected_label_name_list(project=prompt.project)
        labels = prompt_label_history(prompt=prompt, version_numbers=numbers, protected=protected)
        return self._render(
            request,
            "prompt.html",
            prompt,
            prompt.name,
            rows=[
                {
                    "version": version,
                    "labels": [label.name for label in version.labels.all()],
                    "figures": [display.figure(insights.get(version.version, {}).get(column)) for column in columns],
                }
                for version in versions
            ],
            columns=columns,
            labels=labels,
            protected=protected,
            latest=numbers[0] if numbers else None,
            production=PRODUCTION_LABEL,
            can_manage=project_can_manage(request.user, prompt.project),
            diff_form=DiffForm(
                numbers=numbers,
                initial={"a": numbers[1] if len(numbers) > 1 else None, "b": numbers[0] if numbers else None},
            ),
            version_add_url=self._url("version_add", prompt),
            labels_url=self._url("labels", prompt),
            diff_url=self._url("diff", prompt),
            delete_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_delete", args=(prompt.pk,)),
            panels=page_panels("prompt", request=request, project=prompt.project, subject_id=prompt.pk),
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._version_form(request, None, None)

    def version_add_view(self, request, object_id):
        prompt = self._visible_prompt(request, object_id)
        if not self.has_change_permission(request, prompt):
            raise PermissionDenied
        versions = prompt.versions.all()
        source = versions.filter(version=request.GET["from"]).first() if request.GET.get("from", "").isdigit() else None
        return self._version_form(request, prompt, source or versions.first())

    def _version_form(self, request, prompt: Prompt | None, source: PromptVersion | None):
        initial = {"type": PromptType.TEXT, "config": {}, "tags": ", ".join(prompt.tags or []) if prompt else ""}
        if source is not None:
            initial.update(
                type=source.type,
                template_engine=source.template_engine,
                content=source.content
                if source.type == PromptType.TEXT
                else pretty_json(source.content, sort_keys=False),
                config=source.config,
            )
        form = PromptVersionForm(
            request.POST or None,
            prompt=prompt,
            prompt_type=source.type if prompt and source else None,
            user=request.user,
            initial=initial,
        )
        if request.method == "POST" and form.is_valid():
            version = self._create_version(request, prompt, form)
            if version is not None:
                messages.success(request, f"Created {version.prompt.name} version {version.version}.")
                return HttpResponseRedirect(reverse("admin:prompts_prompt_change", args=(version.prompt_id,)))
        title = f"New version of {prompt.name}" if prompt else "New prompt"
        return self._render(request, "version_form.html", prompt, title, form=form, source=source)

    def _create_version(self, request, prompt: Prompt | None, form: PromptVersionForm) -> PromptVersion | None:
        data = form.cleaned_data
        try:
            return prompt_version_create(
                project=prompt.project if prompt else data["project"],
                name=prompt.name if prompt else data["name"],
                content=data["content"],
                prompt_type=data["type"],
                config=data["config"] if data["config"] is not None else {},
                labels=data["labels"],
                tags=data["tags"],
                commit_message=data["commit_message"],
                template_engine=data["template_engine"],
                author=request.user,
                created_by=request.user.get_username(),
            )
        except DomainError as error:
            form_error_add(form, error)
            return None

    def version_view(self, request, object_id, number):
        prompt = self._visible_prompt(request, object_id)
        version = prompt.versions.select_related("author").prefetch_related("labels").filter(version=number).first()
        if version is None:
            raise Http404(f"Prompt {prompt.name!r} has no version {number}.")
        return self._render(
            request,
            "version.html",
            prompt,
            f"{prompt.name} v{number}",
            version=version,
            content="\n".join(content_lines(version)),
            config=pretty_json(version.config),
            version_add_url=self._url("version_add", prompt) + f"?from={number}",
        )

    def diff_view(self, request, object_id):
        prompt = self._visible_prompt(request, object_id)
        versions = {version.version: version for version in prompt.versions.prefetch_related("labels")}
        form = DiffForm(request.GET or None, numbers=sorted(versions))
        tables = []
        if form.is_valid():
            old, new = versions[form.cleaned_data["a"]], versions[form.cleaned_data["b"]]
            differ = difflib.HtmlDiff(wrapcolumn=90)
            for heading, lines in (
                ("Content", content_lines),
                ("Config", lambda version: pretty_json(version.config).splitlines()),
                ("Settings", lambda version: [f"type: {version.type}", f"template engine: {version.template_engine}"]),
            ):
                table = differ.make_table(lines(old), lines(new), f"v{old.version}", f"v{new.version}")
                tables.append((heading, mark_safe(table)))  # HtmlDiff escapes the lines
        return self._render(request, "diff.html", prompt, f"{prompt.name}: compare versions", form=form, tables=tables)

    def labels_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        prompt = self._visible_prompt(request, object_id)
        if not self.has_change_permission(request, prompt):
            raise PermissionDenied
        form = LabelForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
            return HttpResponseRedirect(self._url("change", prompt))
        label, number = form.cleaned_data["label"], form.cleaned_data["version"]
        version = prompt.versions.filter(version=number).first()
        try:
            if version is None:
                messages.error(request, f"Version {number} of {prompt.name} does not exist.")
            elif form.cleaned_data["action"] == "remove":
                prompt_label_remove(version=version, label=label, actor_role=None, actor_user=request.user)
                messages.success(request, f"Removed label {label} from version {number}.")
            else:
                prompt_labels_set(version=version, labels=[label], actor_role=None, actor_user=request.user)
                messages.success(request, f"Label {label} now points to version {number}.")
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(self._url("change", prompt))

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:prompts_prompt_change", args=(unquote(object_id),)))

    def delete_model(self, request, obj):
        prompt_delete(project=obj.project, name=obj.name, actor_role=None, actor_user=request.user)
