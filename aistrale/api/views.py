"""Kernel endpoints: health and the key's project."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from aistrale.api.base import ProjectApiView
from aistrale.api.permissions import AllowAny
from aistrale.tenancy.models import Project


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

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
    def get(self, request):
        project = Project.objects.select_related("organization").get(pk=request.auth.project.pk)
        return Response({"data": [project_body(project)]})


def api_not_found(request, *args, **kwargs):
    """Unknown /api/public/ paths answer in the Langfuse error shape, not Django's HTML page."""
    return JsonResponse(
        {"message": f"No API route {request.method} {request.path}", "error": "LangfuseNotFoundError"}, status=404
    )
