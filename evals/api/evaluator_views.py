"""The evaluators API (`/api/public/v2/evaluators`, `/{id}`, `/{id}/versions`) as the SDK 5.x client calls it.

It serves the LLM-as-a-judge evaluators (the only kind of the public API that runs no user code); errors come
in the evaluators API's PublicApiError body ({message, code, details.issues}) beside Langfuse's `error` name.
"""

from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aistrale.api.public_errors import PublicApiErrorView
from aistrale.errors import DomainError
from evals import selectors
from evals.api import evaluator_schema as schema
from evals.api.evaluator_serializers import (
    DEFINITION_FIELDS,
    PUBLIC_TYPE,
    CursorQuerySerializer,
    EvaluatorCreateSerializer,
    EvaluatorUpdateSerializer,
    definition_arguments,
)
from evals.services.evaluators import (
    UNSET,
    evaluator_create,
    evaluator_set_archived,
    evaluator_update,
    evaluator_version_create,
)

# Service field names that the wire spells inside modelConfig.
WIRE_FIELDS = {"model_provider": "model_config.provider", "model": "model_config.model"}


class EvaluatorApiView(PublicApiErrorView):
    def handle_exception(self, exc):
        if isinstance(exc, DomainError) and exc.field in WIRE_FIELDS:
            exc = DomainError(exc.message, field=WIRE_FIELDS[exc.field], status=exc.status)
        return super().handle_exception(exc)


def _page_query(request) -> dict:
    query = CursorQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _evaluator_or_404(request, evaluator_id: str):
    evaluator = selectors.evaluator_get(project=request.auth.project, evaluator_id=evaluator_id, types=[PUBLIC_TYPE])
    if evaluator is None:
        raise NotFound(f"Evaluator {evaluator_id!r} not found in this project")
    return evaluator


def _public(evaluator) -> dict:
    assignments = selectors.evaluator_rule_assignments(evaluators=[evaluator])[evaluator.key]
    return selectors.evaluator_public(evaluator, assignments=assignments)


@schema.evaluators
class EvaluatorsView(EvaluatorApiView):
    def get(self, request):
        query = _page_query(request)
        evaluators, cursor = selectors.key_page(
            selectors.evaluator_list(project=request.auth.project, types=[PUBLIC_TYPE]),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        assignments = selectors.evaluator_rule_assignments(evaluators=evaluators)
        data = [
            selectors.evaluator_public(evaluator, assignments=assignments[evaluator.key]) for evaluator in evaluators
        ]
        return Response({"data": data, "meta": {"cursor": cursor} if cursor else {}})

    def post(self, request):
        body = EvaluatorCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        created = evaluator_create(
            project=request.auth.project,
            name=data["name"],
            description=data.get("description"),
            type=PUBLIC_TYPE,
            **definition_arguments(data),
        )
        return Response(_public(_evaluator_or_404(request, created.id)), status=201)


@schema.evaluator_detail
class EvaluatorDetailView(EvaluatorApiView):
    def get(self, request, evaluator_id):
        return Response(_public(_evaluator_or_404(request, evaluator_id)))

    def patch(self, request, evaluator_id):
        evaluator = _evaluator_or_404(request, evaluator_id)
        definition = isinstance(request.data, dict) and any(name in request.data for name in DEFINITION_FIELDS)
        body = EvaluatorUpdateSerializer(data=request.data, definition=definition)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "name" in data or "description" in data:
            evaluator_update(
                evaluator=evaluator, name=data.get("name", UNSET), description=data.get("description", UNSET)
            )
        if definition:
            evaluator_version_create(evaluator=evaluator, **definition_arguments(data))
        return Response(_public(_evaluator_or_404(request, evaluator_id)))

    def delete(self, request, evaluator_id):
        evaluator = _evaluator_or_404(request, evaluator_id)
        evaluator_set_archived(evaluator=evaluator, archived=True)
        return Response({"id": evaluator.id})


@schema.evaluator_versions
class EvaluatorVersionsView(EvaluatorApiView):
    def get(self, request, evaluator_id):
        evaluator = _evaluator_or_404(request, evaluator_id)
        query = _page_query(request)
        versions, cursor = selectors.key_page(
            selectors.evaluator_version_list(evaluator=evaluator),
            cursor=query.get("cursor"),
            limit=query["limit"],
            key="version",
        )
        for version in versions:
            version.evaluator = evaluator
        data = [selectors.evaluator_version_public(version) for version in versions]
        return Response({"data": data, "meta": {"cursor": cursor} if cursor else {}})
