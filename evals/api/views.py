"""POST /api/public/scores: one score (200 {"id"}) or, as SDK v5 sends, a list (202, or 207 with errors)."""

from django.db import transaction
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from evals.api import schema
from evals.models import ScoreSource
from evals.services import scores_create

API_SOURCES = (ScoreSource.API, ScoreSource.ANNOTATION)


@schema.scores
class ScoresView(ProjectApiView):
    def post(self, request):
        data = request.data
        project = request.auth.project
        if isinstance(data, list):
            with transaction.atomic():
                result = scores_create(project=project, bodies=data, allowed_sources=API_SOURCES)
            if not result.errors:
                return Response({"message": "Accepted"}, status=202)
            errors = [{"message": f"scores.{index}: {message}"} for index, message in sorted(result.errors.items())]
            return Response({"accepted": len(result.ids), "rejected": len(result.errors), "errors": errors}, status=207)
        with transaction.atomic():
            result = scores_create(project=project, bodies=[data], allowed_sources=API_SOURCES)
        if result.errors:
            raise ValidationError(result.errors[0])
        return Response({"id": result.ids[0]})
