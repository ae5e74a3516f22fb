"""The playground's admin pages: the page itself, a variant's streamed run (ndjson), save as a version.
Thin: the rules are in prompts.playground.services."""

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from aistrale.errors import DomainError
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from prompts.models import Prompt, PromptVersion
from prompts.playground import services
from prompts.playground.actions import playground_action, playground_actions
from prompts.playground.sources import playground_source


def _projects(request):
    return project_list_for_user(request.user, roles=WRITING_ROLES).order_by("name", "pk")


def _project(request, wanted):
    projects = list(_projects(request))
    if not projects:
        raise PermissionDenied
    if wanted in (None, ""):
        return projects[0], projects
    for project in projects:
        if str(project.pk) == str(wanted):
            return project, projects
    raise Http404("No such project among yours.")


def _prefill(request) -> tuple[dict, object]:
    """The page's starting point: a prompt version, a registered source (a generation), or an empty prompt."""
    if request.GET.get("version"):
        version = (
            PromptVersion.objects.filter(pk=request.GET["version"], project__in=_projects(request))
            .select_related("prompt")
            .first()
        )
        if version is None:
            raise Http404("No such prompt version among your projects.")
        config = version.config or {}
        variant = {"model": config.get("model", ""), "connection": config.get("connection", "")}
        variant["parameters"] = {k: config[k] for k in ("temperature", "max_tokens", "top_p", "stop") if k in config}
        prefill = {
            "messages": services.prompt_version_messages(version=version),
            "variants": [variant],
            "name": version.prompt.name,
            "from": f"{version.prompt.name} v{version.version}",
        }
        return prefill, version.project_id
    kind = request.GET.get("source")
    if kind:
        loader = playground_source(kind)
        loaded = loader(request.user, request.GET.get("id", "")) if loader else None
        if loaded is None:
            raise Http404(f"No such {kind} among your projects.")
        variant = {k: loaded.get(k) or "" for k in ("connection", "model")}
        variant["parameters"] = loaded.get("parameters") or {}
        prefill = {"messages": loaded["messages"], "variants": [variant], "from": loaded.get("title", kind)}
        return prefill, loaded.get("project_id")
    return {"messages": [{"role": "system", "content": ""}, {"role": "user", "content": ""}], "variants": [{}]}, None


def page_view(request, admin_site):
    prefill, project_id = _prefill(request)
    project, projects = _project(request, request.GET.get("project") or project_id)
    connections = list(
        LlmConnection.objects.filter(project=project).order_by("provider").values_list("provider", flat=True)
    )
    versions = (
        PromptVersion.objects.filter(project=project)
        .select_related("prompt")
        .order_by("prompt__name", "-version")[:200]
    )
    context = {
        **admin_site.each_context(request),
        "title": "Playground",
        "opts": Prompt._meta,
        "project": project,
        "projects": projects,
        "connections": connections,
        "versions": versions,
        "prefill": prefill,
        "max_variants": services.MAX_VARIANTS,
        "run_url": reverse("admin:prompts_playground_run"),
        "save_url": reverse("admin:prompts_playground_save"),
        "actions": [
            {"label": action.label, "url": reverse("admin:prompts_playground_action", args=[action.name])}
            for action in playground_actions()
        ],
    }
    return TemplateResponse(request, "prompts/admin/playground.html", context)


def _input(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except json.JSONDecodeError as error:
        raise DomainError(f"not valid JSON ({error})", field="body") from error
    if not isinstance(data, dict):
        raise DomainError("must be a JSON object", field="body")
    return data


def _refused(error: DomainError) -> JsonResponse:
    return JsonResponse({"error": error.message, "field": error.field}, status=error.status)


@require_POST
def run_view(request):
    try:
        data = _input(request)
        project, _ = _project(request, data.get("project"))
        messages = services.playground_messages(messages=data.get("messages"), variables=data.get("variables"))
        variant = services.variant_parse(project=project, data=data.get("variant"), index=data.get("index", 0))
    except DomainError as error:
        return _refused(error)
    events = services.playground_stream(
        project=project, variant=variant, messages=messages, run_id=data.get("runId"), user=request.user
    )
    response = StreamingHttpResponse(
        (services.dumps_event(event) for event in events), content_type="application/x-ndjson"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
def save_view(request):
    try:
        data = _input(request)
        project, _ = _project(request, data.get("project"))
        variant = data.get("variant")
        variant = services.variant_parse(project=project, data=variant) if variant else None
        version = services.playground_save_version(
            project=project,
            name=data.get("name") or "",
            messages=data.get("messages"),
            variant=variant,
            commit_message=data.get("commitMessage") or "",
            label=data.get("label") or None,
            author=request.user,
            actor_role=None,
        )
    except DomainError as error:
        return _refused(error)
    url = reverse("admin:prompts_prompt_version", args=(version.prompt_id, version.version))
    return JsonResponse({"name": version.prompt.name, "version": version.version, "url": url})


@require_POST
def action_view(request, name):
    """A registered action (prompts.playground.actions) on the posted run."""
    action = playground_action(name)
    if action is None:
        raise Http404(f"No playground action {name!r}.")
    try:
        data = _input(request)
        project, _ = _project(request, data.get("project"))
        answer = action.handler(user=request.user, project=project, data=data)
    except DomainError as error:
        return _refused(error)
    return JsonResponse(answer)
