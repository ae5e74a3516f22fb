"""OpenAPI pieces every app's schema module shares: the key scheme, the error body, pages, error responses."""

import copy
from functools import cache
from types import SimpleNamespace

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_mock_request
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from aistrale.api.errors import ERROR_NAMES
from aistrale.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from aistrale.tenancy import models as tenancy


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "aistrale.api.authentication.ApiKeyAuthentication"
    name = "BasicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "username: the project's public key, password: its secret key",
        }


def mock_request(method, path, view, original_request, **kwargs):
    """The request the generator hands each view; without a key, a stand-in project so get_queryset() builds
    (and never runs) its project-scoped queryset, which the filter extension reads its model from."""
    request = build_mock_request(method, path, view, original_request, **kwargs)
    if request.auth is None:
        request.auth = SimpleNamespace(project=tenancy.Project(pk="openapi-schema"))
    return request


class ErrorBody(serializers.Serializer):
    message = serializers.CharField()
    error = serializers.CharField(help_text="The error's name, as the Langfuse SDKs read it")
    details = serializers.DictField(required=False, help_text="Per-field messages of a validation error")


class PageMeta(serializers.Serializer):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    totalItems = serializers.IntegerField()
    totalPages = serializers.IntegerField()


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page/limit envelope {"data": [item], "meta": PageMeta} of a list endpoint, one component per item."""
    return type(
        f"Paginated{item.__name__}",
        (serializers.Serializer,),
        {"data": item(many=True), "meta": PageMeta(), "__module__": item.__module__},
    )


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description=f"Items per page, default {DEFAULT_LIMIT}, max {MAX_LIMIT}"
    ),
]


def described_as(view_class):
    """Describe a function view in the schema as the API view it hands its requests to."""

    def mark(function):
        function.cls = view_class
        function.initkwargs = {}
        return function

    return mark


def _error(status: int) -> OpenApiResponse:
    return OpenApiResponse(ErrorBody, description=ERROR_NAMES.get(status, "Service unavailable; retry"))


class AutoSchema(openapi.AutoSchema):
    """Adds the error responses every endpoint can give, and a filterset's parameters on any GET that has one."""

    def _is_list_view(self, serializer=None):
        """Never a bare array: every list body is an envelope its schema module describes (page_of, cursor pages)."""
        return False

    def resolve_serializer(self, serializer, direction, bypass_extensions=False):
        """A PATCH body as our views read it: validated whole by its serializer, never partially."""
        if self.method == "PATCH" and getattr(serializer, "partial", False):
            serializer = copy.copy(serializer)
            serializer.partial = False
        return super().resolve_serializer(serializer, direction, bypass_extensions)

    def get_filter_backends(self):
        if self.method == "GET" and getattr(self.view, "filterset_class", None):
            return getattr(self.view, "filter_backends", [])
        return []

    def _error_statuses(self) -> list[int]:
        statuses = [400, 404, 503]
        if self.get_auth():
            statuses += [401, 403]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            statuses += [411, 413, 415]
        return statuses

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            bodies.setdefault(
                str(status), self._get_response_for_code(_error(status), str(status), direction=direction)
            )
        return bodies


class Health(serializers.Serializer):
    status = serializers.CharField(help_text='"OK", or what is wrong')
    version = serializers.CharField()


class ProjectOrganization(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class Project(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    organization = ProjectOrganization()
    metadata = serializers.JSONField(allow_null=True)
    retentionDays = serializers.IntegerField(required=False, help_text="Present when the project sets a retention")


class ProjectList(serializers.Serializer):
    data = Project(many=True)
