"""Admin for prompts (history, diff, labels, new versions), protected labels and webhooks."""

import difflib
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import smart_split, unescape_string_literal

from aistrale.errors import DomainError
from aistrale.tenancy.admin_scoping import NoEditAdminMixin, ProjectScopedAdmin
from aistrale.tenancy.models import MANAGING_ROLES, WRITING_ROLES
from aistrale.tenancy.selectors import can_manage_project, projects_for_user, visible_to_user
from prompts.actors import enqueue_deliveries
from prompts.insights import version_insights
from prompts.models import (
    PRODUCTION_LABEL,
    Prompt,
    PromptLabel,
    PromptType,
    PromptVersion,
    ProtectedLabel,
    TemplateEngine,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from prompts.services import (
    labels_validate,
    prompt_delete,
    prompt_label_remove,
    prompt_labels_set,
    prompt_version_create,
    protected_label_set,
)
from prompts.webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_endpoint_validate,
    webhook_redeliver,
    webhook_secret_validate,
    webhook_url_refusal,
)

NO_FOLDER = "-"


def folder_of(name: str) -> str:
    return name.rpartition("/")[0]


def pretty_json(value, *, sort_keys: bool = True) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)


def content_lines(version: PromptVersion) -> list[str]:
    """A version's content as lines to read and diff: chat messages become `[role]` headed blocks."""
    if isinstance(version.content, str):
        return version.content.splitlines() or [""]
    lines = []
    for message in version.content:
        if isinstance(message, dict) and message.get("type") == "placeholder":
            lines.append(f"[placeholder: {message.get('name')}]")
        elif isinstance(message, dict):
            lines.append(f"[{message.get('role')}]")
            lines.extend(str(message.get("content", "")).splitlines())
        else:
            lines.append(json.dumps(message, ensure_ascii=False))
    return lines


def display_figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def split_csv(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class FolderFilter(admin.SimpleListFilter):
    """Folders are the name's prefix before the last `/`; a folder also shows its subfolders' prompts."""

    title = "folder"
    parameter_name = "folder"

    def lookups(self, request, model_admin):
        folders = set()
        names = visible_to_user(request.user, Prompt.objects.filter(name__contains="/")).values_list("name", flat=True)
        for name in names:
            parts = name.split("/")[:-1]
            folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
        return [(NO_FOLDER, "(no folder)"), *((folder, folder) for folder in sorted(folders))]

    def queryset(self, request, queryset):
        if self.value() == NO_FOLDER:
            return queryset.exclude(name__contains="/")
        if self.value():
            return queryset.filter(name__startswith=self.value() + "/")
        return queryset


class LabelFilter(admin.SimpleListFilter):
    title = "label"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        visible = visible_to_user(request.user, Prompt.objects.all()).values("pk")
        names = PromptLabel.objects.filter(prompt__in=visible).values_list("name", flat=True).distinct()
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        return queryset.filter(labels__name=self.value()) if self.value() else queryset


class IndentedJSONEncoder(json.JSONEncoder):
    """Shows JSON form fields indented, one key per line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "indent": 2})


class PromptVersionForm(forms.Form):
    """A new version; on an existing prompt the project and name are fixed."""

    project = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(max_length=255, help_text="Use / to put the prompt in folders, e.g. support/greeting.")
    type = forms.ChoiceField(choices=PromptType.choices)
    template_engine = forms.ChoiceField(choices=TemplateEngine.choices, initial=TemplateEngine.LANGFUSE)
    content = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "vLargeTextField prompt-content"}),
        help_text="Text prompt: the text, with {{variables}}. Chat prompt: a JSON list of "
        '{"role": ..., "content": ...} messages and {"type": "placeholder", "name": ...} placeholders.',
    )
    config = forms.JSONField(
        required=False,
        encoder=IndentedJSONEncoder,
        widget=forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        help_text="JSON object: model, temperature, tools, response schema ...",
    )
    labels = forms.CharField(required=False, help_text="Comma-separated labels to put on the new version.")
    tags = forms.CharField(required=False, help_text="Comma-separated tags of the prompt.")
    commit_message = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, prompt: Prompt | None, prompt_type: str | None, user, **kwargs):
        super().__init__(*args, **kwargs)
        if prompt is None:
            self.fields["project"].queryset = projects_for_user(user, roles=WRITING_ROLES).select_related(
                "organization"
            )
        else:
            del self.fields["project"], self.fields["name"]
            self.fields["type"].disabled = True
            self.fields["type"].help_text = "A prompt keeps its type; create another prompt for the other type."
        self.prompt_type = prompt_type

    def clean_content(self):
        content = self.cleaned_data["content"]
        if (self.prompt_type or self.data.get("type")) != PromptType.CHAT:
            return content
        try:
            return json.loads(content)
        except ValueError as error:
            raise ValidationError(f"a chat prompt is a JSON list of messages; this is not JSON: {error}") from error

    def clean_labels(self):
        return split_csv(self.cleaned_data["labels"])

    def clean_tags(self):
        return split_csv(self.cleaned_data["tags"])


class LabelForm(forms.Form):
    action = forms.ChoiceField(choices=[("set", "set"), ("remove", "remove")])
    label = forms.CharField(max_length=100)
    version = forms.IntegerField(min_value=1)


class DiffForm(forms.Form):
    a = forms.TypedChoiceField(coerce=int, label="From version")
    b = forms.TypedChoiceField(coerce=int, label="To version")

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, f"v{number}") for number in reversed(numbers)]
        self.fields["a"].choices = self.fields["b"].choices = choices


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
        newest = PromptVersion.objects.filter(prompt=OuterRef("pk")).order_by("-version").values("version")[:1]
        labels = PromptLabel.objects.select_related("version").only("name", "prompt_id", "version__version")
        return (
            super()
            .get_queryset(request)
            .annotate(latest=Subquery(newest))
            .prefetch_related(Prefetch("labels", queryset=labels.order_by("name")))
        )

    def get_search_results(self, request, queryset, search_term):
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
                word = unescape_string_literal(word)
            match = Q(name__icontains=word)
            # SQLite keeps JSON text with non-ASCII and quotes escaped; PostgreSQL's jsonb text does not.
            for form in {word, json.dumps(word)[1:-1]}:
                in_content = PromptVersion.objects.filter(prompt=OuterRef("pk"), content__icontains=form)
                match |= Q(tags__icontains=form) | Exists(in_content)
            queryset = queryset.filter(match)
        return queryset, False

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
        versions = list(
            prompt.versions.select_related("author").prefetch_related(
                Prefetch("labels", PromptLabel.objects.order_by("name"))
            )
        )
        insights = version_insights(prompt)
        columns = list(dict.fromkeys(title for figures in insights.values() for title in figures))
        numbers = [version.version for version in versions]
        protected = set(ProtectedLabel.objects.filter(project=prompt.project).values_list("name", flat=True))
        labels = []
        for label in PromptLabel.objects.filter(prompt=prompt).select_related("version").order_by("name"):
            older = [number for number in numbers if number < label.version.version]
            labels.append(
                {"label": label, "previous": max(older) if older else None, "protected": label.name in protected}
            )
        return self._render(
            request,
            "prompt.html",
            prompt,
            prompt.name,
            rows=[
                {
                    "version": version,
                    "labels": [label.name for label in version.labels.all()],
                    "figures": [display_figure(insights.get(version.version, {}).get(column)) for column in columns],
                }
                for version in versions
            ],
            columns=columns,
            labels=labels,
            protected=sorted(protected),
            latest=numbers[0] if numbers else None,
            production=PRODUCTION_LABEL,
            can_manage=can_manage_project(request.user, prompt.project),
            diff_form=DiffForm(
                numbers=numbers,
                initial={"a": numbers[1] if len(numbers) > 1 else None, "b": numbers[0] if numbers else None},
            ),
            version_add_url=self._url("version_add", prompt),
            labels_url=self._url("labels", prompt),
            diff_url=self._url("diff", prompt),
            delete_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_delete", args=(prompt.pk,)),
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
            field = (error.field or "").split(".")[0]
            form.add_error(
                field if field in form.fields else None, f"{error.field}: {error}" if error.field else str(error)
            )
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


class ManagersWriteAdmin(ProjectScopedAdmin):
    """Members see the rows; only the project's owners and admins change them."""

    def has_add_permission(self, request):
        return projects_for_user(request.user, roles=MANAGING_ROLES).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return can_manage_project(request.user, self._project_of(obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.project_field:
            kwargs["queryset"] = projects_for_user(request.user, roles=MANAGING_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, self.project_field) if obj else ()


@admin.register(ProtectedLabel)
class ProtectedLabelAdmin(ManagersWriteAdmin):
    """Protecting a label is a project setting: owners and admins add and remove them, members read them."""

    list_display = ("name", "project")
    list_select_related = ("project__organization",)
    search_fields = ("name",)
    fields = ("project", "name")

    def has_change_permission(self, request, obj=None):
        return obj is None and self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Form(form):
            def clean_name(self):
                try:
                    return labels_validate([self.cleaned_data["name"]], field="name")[0]
                except DomainError as error:
                    raise ValidationError(str(error)) from error

        return Form

    def save_model(self, request, obj, form, change):
        protected_label_set(
            project=obj.project, name=obj.name, protected=True, actor_role=None, actor_user=request.user
        )
        obj.pk = ProtectedLabel.objects.get(project=obj.project, name=obj.name).pk

    def delete_model(self, request, obj):
        protected_label_set(
            project=obj.project, name=obj.name, protected=False, actor_role=None, actor_user=request.user
        )

    def delete_queryset(self, request, queryset):
        for protected in queryset.select_related("project"):
            self.delete_model(request, protected)


def show_secret_once(request, endpoint: WebhookEndpoint, secret: str) -> None:
    messages.warning(
        request,
        format_html("Copy the signing secret of {} now, it is not shown again: <code>{}</code>", endpoint.url, secret),
    )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    new_secret = forms.CharField(
        label="Signing secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave empty to generate one (new endpoint) or to keep the current one.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("project", "url", "description", "events", "active")

    def clean_new_secret(self):
        secret = self.cleaned_data["new_secret"]
        if secret:
            try:
                webhook_secret_validate(secret)
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        return secret

    def clean(self):
        cleaned = super().clean()
        if "url" in cleaned and "events" in cleaned:
            try:
                cleaned["events"] = webhook_endpoint_validate(url=cleaned["url"], events=cleaned["events"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ManagersWriteAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "project", "subscribed_events", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description")
    list_select_related = ("project__organization",)
    readonly_fields = ("created_at", "updated_at", "deliveries_link")
    actions = ["rotate_secrets"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret")

    @admin.display(description="Events")
    def subscribed_events(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        url = reverse("admin:prompts_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">delivery log</a>', url, obj.pk)

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data[key] for key in ("url", "events", "description", "active")}
        refusal = webhook_url_refusal(fields["url"])
        if refusal:
            messages.warning(request, f"Deliveries to this URL will be refused: {refusal}.")
        if change:
            webhook_endpoint_update(endpoint=obj, **fields)
            if form.cleaned_data["new_secret"]:
                webhook_endpoint_rotate_secret(endpoint=obj, secret=form.cleaned_data["new_secret"])
                messages.info(request, "The signing secret was replaced.")
            return
        endpoint, secret = webhook_endpoint_create(
            project=form.cleaned_data["project"], secret=form.cleaned_data["new_secret"] or None, **fields
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        show_secret_once(request, endpoint, secret)

    def delete_model(self, request, obj):
        webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_delete(endpoint=endpoint)

    @admin.action(description="Generate a new signing secret", permissions=["change"])
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset.select_related("project"):
            if can_manage_project(request.user, endpoint.project):
                show_secret_once(request, endpoint, webhook_endpoint_rotate_secret(endpoint=endpoint))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(NoEditAdminMixin, ProjectScopedAdmin):
    """The delivery log: read-only, with a redeliver action for the project's owners and admins."""

    list_display = ("created_at", "event", "endpoint", "status", "attempts_display", "response_code", "last_attempt_at")
    list_filter = ("status", "event", ("endpoint", admin.RelatedOnlyFieldListFilter))
    search_fields = ("id", "endpoint__url")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "project",
        "endpoint",
        "event",
        "status",
        "attempts",
        "max_attempts",
        "response_code",
        "response_body",
        "error",
        "payload_pretty",
        "redelivery_of",
        "created_at",
        "last_attempt_at",
        "completed_at",
    )
    readonly_fields = fields
    actions = ["redeliver"]

    @admin.display(description="Attempts")
    def attempts_display(self, obj):
        return f"{obj.attempts} of {obj.max_attempts}"

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return projects_for_user(request.user, roles=MANAGING_ROLES).exists()

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        managed = projects_for_user(request.user, roles=MANAGING_ROLES).values("pk")
        redelivered = []
        for delivery in queryset.filter(project__in=managed).select_related("endpoint", "project"):
            try:
                redelivered.append(webhook_redeliver(delivery=delivery))
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)
        enqueue_deliveries(redelivered)
        skipped = queryset.exclude(project__in=managed).count()
        if skipped:
            self.message_user(
                request, f"{skipped} deliveries skipped: only owners and admins redeliver.", messages.ERROR
            )
        if redelivered:
            self.message_user(request, f"{len(redelivered)} deliveries queued again.")
