"""GET and PUT /llm-connections, DELETE /llm-connections/{id}: thin views over the selectors and services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from aistrale.api.errors import serializer_wire_names
from aistrale.api.pagination import LangfusePagination
from aistrale.api.schema import PAGE_PARAMETERS, page_of
from aistrale.llm import selectors
from aistrale.llm.api.serializers import DeleteLlmConnectionResponse, LlmConnectionBody, LlmConnectionUpsertSerializer
from aistrale.llm.services import llm_connection_delete, llm_connection_upsert


@extend_schema_view(
    get=extend_schema(
        operation_id="llmConnections_list",
        description="The project's LLM connections, by provider name; keys masked, header values left out",
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(LlmConnectionBody)},
    ),
    put=extend_schema(
        operation_id="llmConnections_upsert",
        description=(
            "Create or update the connection named `provider`. Adapters openai (any OpenAI-compatible server "
            "with baseURL), anthropic and azure (baseURL: the resource endpoint; config: {apiVersion}); "
            "bedrock and google-* answer 400 until supported. Omitted extraHeaders keep the stored ones."
        ),
        request=LlmConnectionUpsertSerializer,
        responses={200: LlmConnectionBody},
    ),
)
class LlmConnectionsView(ProjectApiView):
    def get(self, request):
        paginator = LangfusePagination()
        connections = paginator.paginate_queryset(
            selectors.llm_connection_list(project=request.auth.project), request, self
        )
        return paginator.get_paginated_response([selectors.llm_connection_public(c) for c in connections])

    def put(self, request):
        serializer = LlmConnectionUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with serializer_wire_names(LlmConnectionUpsertSerializer):
            connection, _ = llm_connection_upsert(project=request.auth.project, **serializer.validated_data)
        return Response(selectors.llm_connection_public(connection))


@extend_schema_view(
    delete=extend_schema(
        operation_id="llmConnections_delete",
        description="Delete the connection; evaluation rules that use it are paused",
        responses={200: DeleteLlmConnectionResponse},
    )
)
class LlmConnectionDetailView(ProjectApiView):
    def delete(self, request, connection_id):
        connection = llm_connection_delete(project=request.auth.project, connection_id=connection_id)
        return Response({"message": f"LLM connection {connection.provider!r} deleted"})
