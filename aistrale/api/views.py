"""Kernel endpoints: health, the key's project, and the API's own OpenAPI schema with its browsable page."""

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response
from rest_framework.views import APIView

from aistrale.api import schema
from aistrale.api.base import ProjectApiView
from aistrale.api.outage import DATABASE_UNREACHABLE, REDIS_UNREACHABLE
from aistrale.api.permissions import AllowAny
from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import Project


class HealthView(APIView):
    """The database (and Redis, when it is the cache) answer: 200, else 503 naming which, never the driver's text."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="health_health", responses={200: schema.Health, 503: schema.Health})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return self.unavailable("Database error", DATABASE_UNREACHABLE)
        if tokens_shared():
            try:
                caches["default"].get("health")
            except (redis.ConnectionError, redis.TimeoutError):
                return self.unavailable("Redis error", REDIS_UNREACHABLE)
        return Response({"status": "OK", "version": settings.VERSION})

    def unavailable(self, status: str, message: str) -> Response:
        body = {"status": status, "version": settings.VERSION, "message": message}
        return Response(body, status=503, headers={"Retry-After": str(settings.AISTRALE_RETRY_AFTER_SECONDS)})


def project_body(project: Project) -> dict:
    return {
        "id": project.id,
        "name": project.name,
        "organization": {"id": project.organization_id, "name": project.organization.name},
        "metadata": project.metadata,
        **({"retentionDays": project.retention_days} if project.retention_days else {}),
    }


class ProjectsView(ProjectApiView):
    @extend_schema(operation_id="projects_get", responses={200: schema.ProjectList})
    def get(self, request):
        project = Project.objects.select_related("organization").get(pk=request.auth.project.pk)
        return Response({"data": [project_body(project)]})


class OpenApiSchemaView(SpectacularJSONAPIView):
    """GET /api/public/openapi.json: the schema generated from the routed views; no key needed."""

    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer]  # application/json first


class OpenApiDocsView(SpectacularSwaggerSplitView):
    """GET /api/public/docs: Swagger UI over the schema, its assets served from our own static files."""

    url_name = "openapi-schema"


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown /api/public/ paths answer in the Langfuse error shape, not Django's HTML page."""
    return JsonResponse(
        {"message": f"No API route {request.method} {request.path}", "error": "LangfuseNotFoundError"}, status=404
    )


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def server_error(request):
    """handler500: an unhandled error under /api/ answers the Langfuse error shape, elsewhere Django's page."""
    if _is_api(request):
        return JsonResponse({"message": "Internal server error", "error": "InternalServerError"}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: every /api/ route is CSRF-exempt; should one not be, it still answers JSON."""
    if _is_api(request):
        return JsonResponse(
            {"message": f"CSRF verification failed: {reason}", "error": "AccessDeniedError"}, status=403
        )
    return csrf.csrf_failure(request, reason=reason)
