"""Ingestion endpoints: Langfuse batch, OTLP traces, and the model price table."""

import orjson
from django.db import OperationalError
from django.http import HttpResponse
from rest_framework.exceptions import APIException, NotFound, ParseError, UnsupportedMediaType, ValidationError
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from aistrale.api.pagination import LangfusePagination
from observability.api import schema
from observability.ingestion.batch import ingest_batch
from observability.ingestion.body import media_type, read_body
from observability.ingestion.costs import price_table_invalidate
from observability.ingestion.otlp import OtlpDecodeError, decode_json, decode_protobuf, ingest_spans, response_body
from observability.ingestion.otlp_status import status_response
from observability.ingestion.serializers import model_public
from observability.ingestion.writer import is_transient
from observability.pricing import (
    ModelDefinitionError,
    model_definition_create,
    model_definition_delete,
    model_definitions_visible,
)

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")


class StorageBusy(APIException):
    status_code = 503
    default_detail = "The database is busy; nothing was stored. Retry the request."


def _storing(store):
    """Run a store; a database that stays busy answers 503, which exporters retry."""
    try:
        return store()
    except OperationalError as error:
        if not is_transient(error):
            raise
        raise StorageBusy() from error


def _json_body(request):
    if media_type(request) != "application/json":
        raise UnsupportedMediaType(media_type(request) or "none", detail="Content-Type must be application/json")
    try:
        return orjson.loads(read_body(request))
    except orjson.JSONDecodeError as error:
        raise ParseError(f"Request body is not valid JSON: {error}") from None


@schema.ingestion
class IngestionView(ProjectApiView):
    def post(self, request):
        data = _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("batch"), list):
            raise ValidationError({"batch": "is required and must be a list of events"})
        result = _storing(lambda: ingest_batch(project=request.auth.project, batch=data["batch"]))
        return Response({"successes": result.successes, "errors": result.errors}, status=207)


@schema.otlp_traces
class OtlpTracesView(ProjectApiView):
    def handle_exception(self, exc):
        failed = super().handle_exception(exc)
        return status_response(failed, protobuf=media_type(self.request) != "application/json")

    def post(self, request):
        content_type = media_type(request)
        protobuf = content_type in PROTOBUF_TYPES
        if not protobuf and content_type != "application/json":
            raise UnsupportedMediaType(
                content_type or "none", detail="Content-Type must be application/x-protobuf or application/json"
            )
        body = read_body(request)
        try:
            if protobuf:
                spans = decode_protobuf(body)
            else:
                try:
                    spans = decode_json(orjson.loads(body) if body else {})
                except orjson.JSONDecodeError as error:
                    raise ParseError(f"Request body is not valid JSON: {error}") from None
        except OtlpDecodeError as error:
            raise ParseError(str(error)) from None
        result = _storing(lambda: ingest_spans(project=request.auth.project, spans=spans))
        if protobuf:
            return HttpResponse(response_body(result, protobuf=True), content_type="application/x-protobuf")
        return Response(response_body(result, protobuf=False))


@schema.models
class ModelsView(ProjectApiView):
    def get(self, request):
        paginator = LangfusePagination()
        queryset = model_definitions_visible(project=request.auth.project)
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response([model_public(model) for model in page])

    def post(self, request):
        try:
            model = model_definition_create(project=request.auth.project, data=request.data)
        except ModelDefinitionError as error:
            raise ValidationError(str(error)) from None
        price_table_invalidate()
        model = model_definitions_visible(project=request.auth.project).get(pk=model.pk)
        return Response(model_public(model))


@schema.model_detail
class ModelDetailView(ProjectApiView):
    def _get(self, request, model_id):
        model = model_definitions_visible(project=request.auth.project).filter(pk=model_id).first()
        if model is None:
            raise NotFound(f"Model {model_id!r} not found")
        return model

    def get(self, request, model_id):
        return Response(model_public(self._get(request, model_id)))

    def delete(self, request, model_id):
        model = self._get(request, model_id)
        try:
            model_definition_delete(model=model)
        except ModelDefinitionError as error:
            raise ValidationError(str(error)) from None
        price_table_invalidate()
        return Response(status=204)
