"""Langfuse prompts API (/api/public/v2/prompts...) and the server-side compile endpoint."""

import functools
from contextlib import contextmanager

import orjson
from django.http import HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from aistrale.api import key_cache
from aistrale.api.authentication import credentials
from aistrale.api.base import ProjectApiView
from aistrale.api.pagination import LangfusePagination
from aistrale.api.schema import described_as
from prompts.api import schema, serializers
from prompts.cache import cached_prompt_body, memoized_body
from prompts.compilation import CompilationError, compile_prompt
from prompts.selectors import (
    prompt_fetch,
    prompt_metas,
    prompt_version_find,
    prompt_versions_matching,
    prompts_matching,
)
from prompts.services import (
    LabelProtected,
    PromptInvalid,
    PromptNotFound,
    prompt_delete,
    prompt_labels_set,
    prompt_version_create,
)


@contextmanager
def domain_errors(request):
    """Turn prompt errors raised by a write into Langfuse error responses."""
    try:
        yield
    except PromptInvalid as error:
        raise ValidationError({error.field: error.message} if error.field else error.message) from error
    except PromptNotFound as error:
        raise NotFound(str(error)) from error
    except LabelProtected as error:
        raise PermissionDenied(str(error)) from error


def _not_found(name: str, label: str | None, version: int | None) -> NotFound:
    wanted = f"version {version}" if version is not None else f"label {label!r}"
    return NotFound(f"Prompt not found: no prompt {name!r} with {wanted} in this project")


def _selector(label: str | None, version: int | None) -> str:
    return f"version:{version}" if version is not None else f"label:{label}"


def fetched_body(*, project, name: str, label: str | None, version: int | None) -> bytes:
    """The resolved prompt as JSON bytes, served from the cache while nothing it depends on changed."""

    def build() -> tuple[bytes, set[str]]:
        try:
            fetched = prompt_fetch(project=project, name=name, label=label, version=version)
        except CompilationError as error:
            raise ValidationError({"prompt": str(error)}) from error
        if fetched is None:
            raise _not_found(name, label, version)
        return serializers.prompt_body(fetched), fetched.composed_names

    return cached_prompt_body(project_id=project.pk, name=name, selector=_selector(label, version), build=build)


def _version_response(version) -> Response:
    fetched = prompt_fetch(project=version.project, name=version.prompt.name, version=version.version, resolve=False)
    return Response(serializers.prompt_representation(fetched))


@schema.prompts
class PromptsView(ProjectApiView):
    def get(self, request):
        versions = prompt_versions_matching(project=request.auth.project, **serializers.list_filters(request))
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(prompts_matching(versions), request, view=self)
        metas = prompt_metas(page, versions)
        return paginator.get_paginated_response([serializers.prompt_meta_representation(meta) for meta in metas])

    def post(self, request):
        arguments = serializers.create_arguments(request.data)
        with domain_errors(request):
            version = prompt_version_create(project=request.auth.project, actor_role=request.auth.role, **arguments)
        return _version_response(version)


@schema.prompt
class PromptView(ProjectApiView):
    def get(self, request, name: str):
        label, version, resolve = serializers.fetch_params(request)
        project = request.auth.project
        if resolve:
            return HttpResponse(
                fetched_body(project=project, name=name, label=label, version=version), content_type="application/json"
            )
        fetched = prompt_fetch(project=project, name=name, label=label, version=version, resolve=False)
        if fetched is None:
            raise _not_found(name, label, version)
        return Response(serializers.prompt_representation(fetched))

    def delete(self, request, name: str):
        label, version = serializers.delete_params(request)
        with domain_errors(request):
            prompt_delete(
                project=request.auth.project, name=name, label=label, version=version, actor_role=request.auth.role
            )
        return Response(status=204)


@schema.prompt_version
class PromptVersionView(ProjectApiView):
    def patch(self, request, name: str, version: str):
        number = serializers.version_path_param(version)
        labels = serializers.new_labels(request.data)
        found = prompt_version_find(project=request.auth.project, name=name, version=number)
        if found is None:
            raise _not_found(name, None, number)
        with domain_errors(request):
            prompt_labels_set(version=found, labels=labels, actor_role=request.auth.role)
        return _version_response(found)

    def get(self, request, name: str, version: str):
        return PromptView().get(request, f"{name}/versions/{version}")

    def delete(self, request, name: str, version: str):
        return PromptView().delete(request, f"{name}/versions/{version}")


@schema.prompt_compile
class PromptCompileView(ProjectApiView):
    def post(self, request, name: str):
        arguments = serializers.compile_arguments(request.data)
        body = orjson.loads(
            fetched_body(
                project=request.auth.project, name=name, label=arguments["label"], version=arguments["version"]
            )
        )
        engine = body.get("templateEngine", "langfuse")
        try:
            compiled = compile_prompt(
                prompt_type=body["type"],
                content=body["prompt"],
                engine=engine,
                variables=arguments["variables"],
                placeholders=arguments["placeholders"],
            )
        except CompilationError as error:
            raise ValidationError({"prompt": str(error)}) from error
        return Response(
            {
                "engine": engine,
                "name": body["name"],
                "version": body["version"],
                "type": body["type"],
                "prompt": compiled,
            }
        )


_prompt_view = PromptView.as_view()


@functools.lru_cache(maxsize=1024)
def _memoizable_selector(query_string: str) -> str | None:
    """The cache selector a fetch with this query string asks for; None unless a plain resolved fetch."""
    query = QueryDict(query_string)
    if query.get("resolve", "true").lower() not in serializers.TRUE_VALUES:
        return None
    try:
        label, version = serializers.selector_params(
            {"label": query.get("label") or None, "version": query.get("version") or None}
        )
    except ValidationError:
        return None
    return _selector(label, version)


def _memoized_fetch(request, name: str) -> bytes | None:
    """The body this worker served before, if the key and every generation it depends on still hold."""
    selector = _memoizable_selector(request.META.get("QUERY_STRING", ""))
    try:
        found = credentials(request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1"))
    except (AuthenticationFailed, UnicodeEncodeError):
        return None
    if selector is None or found is None or found[1] is None:
        return None
    key = key_cache.memoized(public_key=found[0], secret_key=found[1])
    if key is None:
        return None
    return memoized_body(
        project_id=key.project_id, name=name, selector=selector, also_current=(key.token_key, key.token)
    )


@described_as(PromptView)
@csrf_exempt
def prompt_view(request, name: str):
    """GET /v2/prompts/{name}: a memoized body in one Redis round trip and no query, else PromptView."""
    if request.method == "GET":
        body = _memoized_fetch(request, name)
        if body is not None:
            return HttpResponse(body, content_type="application/json")
    return _prompt_view(request, name=name)
