"""Langfuse prompts API (/api/public/v2/prompts...) and the server-side compile endpoint.

Request input is parsed by the serializers of prompts.api.serializers and writes go through
prompts.services. The prompt fetch (`prompt_view`, `_memoized_fetch`, `fetched_body`) is the measured hot
path and keeps its tuned code: a memoized body in one Redis round trip, else cached orjson bytes.
"""

import functools

import orjson
from django.http import HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
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
    prompt_list_for_versions,
    prompt_meta_list,
    prompt_version_filter,
    prompt_version_find,
)
from prompts.services import prompt_delete, prompt_labels_set, prompt_version_create


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
        filters = serializers.PromptListQuerySerializer.parse(request.query_params)
        versions = prompt_version_filter(project=request.auth.project, **filters)
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(prompt_list_for_versions(versions), request, view=self)
        metas = prompt_meta_list(page, versions)
        return paginator.get_paginated_response([serializers.prompt_meta_representation(meta) for meta in metas])

    def post(self, request):
        body = serializers.PromptCreateSerializer.parse(request.data)
        with serializers.PromptCreateSerializer.wire_names():
            version = prompt_version_create(project=request.auth.project, actor_role=request.auth.role, **body)
        return _version_response(version)


@schema.prompt
class PromptView(ProjectApiView):
    def get(self, request, name: str):
        label, version, resolve = _fetch_query(request.META.get("QUERY_STRING", ""))
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
        query = serializers.PromptDeleteQuerySerializer.parse(request.query_params)
        prompt_delete(project=request.auth.project, name=name, actor_role=request.auth.role, **query)
        return Response(status=204)


@schema.prompt_version
class PromptVersionView(ProjectApiView):
    def patch(self, request, name: str, version: str):
        number = serializers.PromptVersionPathSerializer.parse({"version": version})["version"]
        body = serializers.PromptLabelsUpdateSerializer.parse(request.data)
        found = prompt_version_find(project=request.auth.project, name=name, version=number)
        if found is None:
            raise _not_found(name, None, number)
        with serializers.PromptLabelsUpdateSerializer.wire_names():
            prompt_labels_set(version=found, actor_role=request.auth.role, **body)
        return _version_response(found)

    def get(self, request, name: str, version: str):
        return PromptView().get(request, f"{name}/versions/{version}")

    def delete(self, request, name: str, version: str):
        return PromptView().delete(request, f"{name}/versions/{version}")


@schema.prompt_compile
class PromptCompileView(ProjectApiView):
    def post(self, request, name: str):
        body = serializers.PromptCompileSerializer.parse(request.data)
        fetched = orjson.loads(
            fetched_body(project=request.auth.project, name=name, label=body["label"], version=body["version"])
        )
        engine = fetched.get("templateEngine", "langfuse")
        try:
            compiled = compile_prompt(
                prompt_type=fetched["type"],
                content=fetched["prompt"],
                engine=engine,
                variables=body["variables"],
                placeholders=body["placeholders"],
            )
        except CompilationError as error:
            raise ValidationError({"prompt": str(error)}) from error
        return Response(
            {
                "engine": engine,
                "name": fetched["name"],
                "version": fetched["version"],
                "type": fetched["type"],
                "prompt": compiled,
            }
        )


_prompt_view = PromptView.as_view()


@functools.lru_cache(maxsize=1024)
def _fetch_query(query_string: str) -> tuple[str | None, int | None, bool]:
    """(label, version, resolve) of a fetch's query string, parsed once per distinct string."""
    query = serializers.PromptFetchQuerySerializer.parse(QueryDict(query_string))
    return query["label"], query["version"], query["resolve"]


def _memoizable_selector(query_string: str) -> str | None:
    """The cache selector a fetch with this query string asks for; None unless a valid resolved fetch."""
    try:
        label, version, resolve = _fetch_query(query_string)
    except ValidationError:
        return None
    return _selector(label, version) if resolve else None


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
