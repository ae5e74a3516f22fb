"""The scores API: POST /scores (one or a list), reads by id, v2 and v3 lists, and the score-configs CRUD."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from aistrale.api.pagination import LangfusePagination, positive_int_param
from evals import selectors
from evals.api import schema
from evals.api.filters import MAX_PAGE_SIZE, ScoreV2Filter, v2_field_groups, v3_parse
from evals.api.serializers import (
    ScoreConfigCreateSerializer,
    ScoreConfigUpdateSerializer,
    score_from_body,
    scores_from_bodies,
    validated,
)
from evals.services import PUBLIC_SOURCES, score_config_create, score_config_update, score_delete, score_upsert_many
from observability import selectors as observability


class ScorePagination(LangfusePagination):
    """Langfuse's page/limit pagination with the score endpoints' limit of 100."""

    def paginate_queryset(self, queryset, request, view=None):
        positive_int_param(request, "limit", 1, MAX_PAGE_SIZE)
        return super().paginate_queryset(queryset, request, view)


@schema.scores
class ScoresView(ProjectApiView):
    def post(self, request):
        project = request.auth.project
        if not isinstance(request.data, list):
            score = score_from_body(project=project, body=request.data, allowed_sources=PUBLIC_SOURCES)
            score_upsert_many(scores=[score])
            return Response({"id": score.id})
        scores, errors = scores_from_bodies(
            project=project,
            bodies=[(index, body, None) for index, body in enumerate(request.data)],
            allowed_sources=PUBLIC_SOURCES,
        )
        if scores:
            score_upsert_many(scores=scores)
        if not errors:
            return Response({"message": "Accepted"}, status=202)
        messages = [{"message": f"scores.{index}: {message}"} for index, message in sorted(errors.items())]
        return Response({"accepted": len(scores), "rejected": len(errors), "errors": messages}, status=207)


def _score_or_404(request, score_id):
    score = selectors.score_get(project=request.auth.project, score_id=score_id)
    if score is None:
        raise NotFound(f"Score {score_id!r} not found in this project")
    return score


@schema.score_detail
class ScoreDetailView(ProjectApiView):
    def get(self, request, score_id):
        return Response(selectors.score_public(_score_or_404(request, score_id)))

    def delete(self, request, score_id):
        if not score_delete(project=request.auth.project, score_id=score_id):
            raise NotFound(f"Score {score_id!r} not found in this project")
        return Response(status=204)


@schema.score_v2_detail
class ScoreV2DetailView(ProjectApiView):
    def get(self, request, score_id):
        return Response(selectors.score_public(_score_or_404(request, score_id)))


def _trace_data(trace) -> dict:
    if trace is None:
        return {"userId": None, "tags": None, "environment": None, "sessionId": None}
    return {
        "userId": trace.user_id,
        "tags": trace.tags,
        "environment": trace.environment,
        "sessionId": trace.session_id,
    }


@schema.score_v2_list
class ScoreV2ListView(ProjectApiView):
    def get(self, request):
        groups = v2_field_groups(request)
        project = request.auth.project
        filters = ScoreV2Filter(request.query_params, queryset=selectors.score_list(project=project))
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        paginator = ScorePagination()
        scores = paginator.paginate_queryset(filters.qs, request, self)
        traces = (
            observability.trace_map_by_id(project=project, trace_ids={s.trace_id for s in scores})
            if "trace" in groups
            else {}
        )
        data = []
        for score in scores:
            body = selectors.score_public(score) if "score" in groups else {"id": score.id}
            if "trace" in groups:
                body["trace"] = _trace_data(traces.get(score.trace_id)) if score.trace_id else None
            data.append(body)
        return paginator.get_paginated_response(data)


@schema.score_v3_list
class ScoreV3ListView(ProjectApiView):
    def get(self, request):
        params = request.query_params
        condition, groups = v3_parse(params)
        limit = positive_int_param(request, "limit", 50, MAX_PAGE_SIZE)
        project = request.auth.project
        scores, cursor = selectors.score_page(
            selectors.score_list(project=project).filter(condition), cursor=params.get("cursor") or None, limit=limit
        )
        data = [selectors.score_v3(score, project_id=project.id, groups=groups) for score in scores]
        return Response({"data": data, "meta": {"limit": limit, "cursor": cursor}})


@schema.score_configs
class ScoreConfigsView(ProjectApiView):
    def get(self, request):
        paginator = ScorePagination()
        configs = paginator.paginate_queryset(selectors.score_config_list(project=request.auth.project), request, self)
        return paginator.get_paginated_response([selectors.score_config_public(config) for config in configs])

    def post(self, request):
        fields = validated(ScoreConfigCreateSerializer, request.data)
        config = score_config_create(project=request.auth.project, **fields)
        return Response(selectors.score_config_public(config))


@schema.score_config_detail
class ScoreConfigDetailView(ProjectApiView):
    def _config(self, request, config_id):
        config = selectors.score_config_get(project=request.auth.project, config_id=config_id)
        if config is None:
            raise NotFound(f"Score config {config_id!r} not found in this project")
        return config

    def get(self, request, config_id):
        return Response(selectors.score_config_public(self._config(request, config_id)))

    def patch(self, request, config_id):
        config = self._config(request, config_id)
        changes = validated(ScoreConfigUpdateSerializer, request.data)
        return Response(selectors.score_config_public(score_config_update(config=config, **changes)))
