"""Kernel endpoints: health, the key's project, and the API's own OpenAPI schema with its browsable page."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response
from rest_framework.views import APIView

from aistrale.api import schema
from aistrale.api.base import ProjectApiView
from aistrale.api.permissions import AllowAny
from aistrale.tenancy.models import Project


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="health_health", responses={200: schema.Health, 503: schema.Health})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            return Response(
                {"status": "Database error", "version": settings.VERSION, "message": str(error)}, status=503
            )
        return Response({"status": "OK", "version": settings.VERSION})


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
