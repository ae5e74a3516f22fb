"""GET/POST /v2/evaluation-rules, GET/PATCH/DELETE /v2/evaluation-rules/{id}, and this server's
/{id}/jobs, /{id}/calibration and /{id}/backfill."""

import base64

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from aistrale.api.pagination import LangfusePagination, positive_int_param
from aistrale.api.public_errors import PublicApiErrorView
from evals.api.rules import schema
from evals.api.rules.serializers import (
    BackfillSerializer,
    EvaluationRuleCreateSerializer,
    EvaluationRuleUpdateSerializer,
    JobListQuerySerializer,
)
from evals.api.serializers import validated
from evals.live import selectors
from evals.live.calibration import evaluation_rule_calibration
from evals.live.jobs import evaluation_rule_backfill
from evals.live.services import evaluation_rule_create, evaluation_rule_delete, evaluation_rule_update

MAX_RULES_PER_PAGE = 100


def _cursor_key(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(base64.urlsafe_b64decode(raw.encode()).decode())
    except (ValueError, UnicodeError):
        raise ValidationError({"cursor": "is not a cursor this endpoint returned"}) from None


def _cursor(key: int) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode()


def _rule_or_404(request, rule_id):
    rule = selectors.evaluation_rule_get(project=request.auth.project, rule_id=rule_id)
    if rule is None:
        raise NotFound(f"Evaluation rule {rule_id!r} not found in this project")
    return rule


@schema.rules
class EvaluationRulesView(PublicApiErrorView):
    def get(self, request):
        limit = positive_int_param(request, "limit", 50, MAX_RULES_PER_PAGE)
        rules = selectors.evaluation_rule_list(project=request.auth.project)
        after = _cursor_key(request.query_params.get("cursor"))
        if after is not None:
            rules = rules.filter(key__lt=after)
        page = list(rules[: limit + 1])
        cursor = _cursor(page[limit - 1].key) if len(page) > limit else None
        return Response(
            {"data": [selectors.evaluation_rule_public(rule) for rule in page[:limit]], "meta": {"cursor": cursor}}
        )

    def post(self, request):
        fields = validated(EvaluationRuleCreateSerializer, request.data)
        rule = evaluation_rule_create(project=request.auth.project, **fields)
        return Response(selectors.evaluation_rule_public(_rule_or_404(request, rule.id)))


@schema.rule_detail
class EvaluationRuleDetailView(PublicApiErrorView):
    def get(self, request, rule_id):
        return Response(selectors.evaluation_rule_public(_rule_or_404(request, rule_id)))

    def patch(self, request, rule_id):
        rule = _rule_or_404(request, rule_id)
        evaluation_rule_update(rule=rule, **validated(EvaluationRuleUpdateSerializer, request.data))
        return Response(selectors.evaluation_rule_public(_rule_or_404(request, rule_id)))

    def delete(self, request, rule_id):
        evaluation_rule_delete(rule=_rule_or_404(request, rule_id))
        return Response({"id": rule_id})


@schema.rule_jobs
class EvaluationRuleJobsView(PublicApiErrorView):
    def get(self, request, rule_id):
        rule = _rule_or_404(request, rule_id)
        query = validated(JobListQuerySerializer, request.query_params)
        jobs = selectors.evaluation_job_list(rule=rule)
        if query.get("status"):
            jobs = jobs.filter(status=query["status"])
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(jobs, request, self)
        return paginator.get_paginated_response([selectors.evaluation_job_public(job) for job in page])


@schema.rule_calibration
class EvaluationRuleCalibrationView(PublicApiErrorView):
    def get(self, request, rule_id):
        return Response({"data": evaluation_rule_calibration(rule=_rule_or_404(request, rule_id))})


@schema.rule_backfill
class EvaluationRuleBackfillView(PublicApiErrorView):
    def post(self, request, rule_id):
        rule = _rule_or_404(request, rule_id)
        window = validated(BackfillSerializer, request.data)
        return Response({"scheduled": evaluation_rule_backfill(rule=rule, **window)})
