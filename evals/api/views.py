"""POST /api/public/scores: one score (200 {"id"}) or, as SDK v5 sends, a list (202, or 207 with errors)."""

from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from evals.api import schema
from evals.api.serializers import score_from_body, scores_from_bodies
from evals.models import ScoreSource
from evals.services import score_upsert_many

API_SOURCES = (ScoreSource.API, ScoreSource.ANNOTATION)


@schema.scores
class ScoresView(ProjectApiView):
    def post(self, request):
        project = request.auth.project
        if not isinstance(request.data, list):
            score = score_from_body(project=project, body=request.data, allowed_sources=API_SOURCES)
            score_upsert_many(scores=[score])
            return Response({"id": score.id})
        scores, errors = scores_from_bodies(
            project=project,
            bodies=[(index, body, None) for index, body in enumerate(request.data)],
            allowed_sources=API_SOURCES,
        )
        if scores:
            score_upsert_many(scores=scores)
        if not errors:
            return Response({"message": "Accepted"}, status=202)
        messages = [{"message": f"scores.{index}: {message}"} for index, message in sorted(errors.items())]
        return Response({"accepted": len(scores), "rejected": len(errors), "errors": messages}, status=207)
