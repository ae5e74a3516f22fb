"""Read endpoints for traces, observations and sessions, trace deletion, and the model price table."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView, ProjectListApiView
from aistrale.api.pagination import LangfusePagination
from observability import selectors, services
from observability.api import schema, serializers
from observability.api.filters import ObservationFilter, ObservationV2Filter, SessionFilter, TraceFilter
from observability.extensions import score_map_by_trace


def unrequested_columns(groups: frozenset[str]) -> list[str]:
    """Large observation columns the requested v2 field groups do not show."""
    wanted = {"io": ["input", "output"], "metadata": ["metadata"], "model": ["model_parameters"]}
    return [column for group, columns in wanted.items() if group not in groups for column in columns]


def prompt_id_for(prompt_ids: dict, observation) -> str | None:
    return prompt_ids.get((observation.prompt_name, observation.prompt_version))


def observation_views(project, observations) -> list[dict]:
    """ObservationsView bodies, with prompt ids and model prices loaded for all of them at once."""
    prompt_ids = selectors.prompt_version_ids(project=project, observations=observations)
    prices = selectors.pricing_tier_default_prices(observations=observations)
    return [
        serializers.observation_view(o, prompt_id=prompt_id_for(prompt_ids, o), prices=prices.get(o.internal_model_id))
        for o in observations
    ]


@schema.trace_list
class TraceListView(ProjectListApiView):
    filterset_class = TraceFilter

    def get_queryset(self):
        return selectors.trace_list(project=self.request.auth.project)

    def list(self, request, *args, **kwargs):
        groups = serializers.query_params(serializers.TraceQuerySerializer, request)["fields"]
        project = request.auth.project
        queryset = self.filter_queryset(self.get_queryset())
        traces = self.paginate_queryset(queryset if "io" in groups else queryset.defer("input", "output", "metadata"))
        ids = [trace.id for trace in traces]
        metrics = selectors.trace_metrics(project=project, trace_ids=ids) if "metrics" in groups else {}
        observation_ids = (
            selectors.trace_observation_ids(project=project, trace_ids=ids) if "observations" in groups else {}
        )
        scores = score_map_by_trace(project=project, trace_ids=ids) if "scores" in groups and ids else {}
        data = [
            serializers.trace_with_details(
                trace,
                metrics=metrics.get(trace.id),
                observations=observation_ids.get(trace.id, []),
                scores=[score["id"] for score in scores.get(trace.id, [])],
                groups=groups,
            )
            for trace in traces
        ]
        return self.get_paginated_response(data)

    def delete(self, request):
        serializer = serializers.TracesDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trace_ids = serializer.validated_data["trace_ids"]
        deleted = services.trace_delete_many(project=request.auth.project, trace_ids=trace_ids)
        return Response({"message": f"Deleted {len(deleted)} of {len(set(trace_ids))} traces"})


@schema.trace_detail
class TraceDetailView(ProjectApiView):
    def get(self, request, trace_id):
        groups = serializers.query_params(serializers.TraceQuerySerializer, request)["fields"]
        project = request.auth.project
        trace = selectors.trace_get(project=project, trace_id=trace_id)
        if trace is None:
            raise NotFound(f"Trace {trace_id!r} not found in this project")
        observations = selectors.trace_observation_list(trace=trace) if "observations" in groups else []
        metrics = selectors.trace_metrics(project=project, trace_ids=[trace.id]) if "metrics" in groups else {}
        scores = score_map_by_trace(project=project, trace_ids=[trace.id]) if "scores" in groups else {}
        body = serializers.trace_with_details(
            trace,
            metrics=metrics.get(trace.id),
            observations=observation_views(project, observations),
            scores=scores.get(trace.id, []),
            groups=groups,
        )
        return Response(body)

    def delete(self, request, trace_id):
        if not services.trace_delete_many(project=request.auth.project, trace_ids=[trace_id]):
            raise NotFound(f"Trace {trace_id!r} not found in this project")
        return Response({"message": "Trace deleted successfully"})


@schema.observation_list
class ObservationListView(ProjectListApiView):
    filterset_class = ObservationFilter

    def get_queryset(self):
        return selectors.observation_list(project=self.request.auth.project).order_by("-start_time", "-key")

    def list(self, request, *args, **kwargs):
        observations = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(observation_views(request.auth.project, observations))


@schema.observation_detail
class ObservationDetailView(ProjectApiView):
    def get(self, request, observation_id):
        project = request.auth.project
        observation = selectors.observation_get(project=project, observation_id=observation_id)
        if observation is None:
            raise NotFound(f"Observation {observation_id!r} not found in this project")
        return Response(observation_views(project, [observation])[0])


@schema.observation_v2_list
class ObservationV2ListView(ProjectListApiView):
    filterset_class = ObservationV2Filter
    pagination_class = None

    def get_queryset(self):
        return selectors.observation_list(project=self.request.auth.project)

    def list(self, request, *args, **kwargs):
        params = serializers.query_params(serializers.ObservationV2QuerySerializer, request)
        groups = params["fields"]
        project = request.auth.project
        try:
            observations, cursor = selectors.observation_page(
                self.filter_queryset(self.get_queryset()).defer(*unrequested_columns(groups)),
                cursor=params["cursor"],
                limit=params["limit"],
            )
        except selectors.InvalidCursor as error:
            raise ValidationError({"cursor": str(error)}) from error
        needs_trace = groups & {"basic", "trace_context"}
        traces = (
            selectors.trace_map_by_id(project=project, trace_ids={o.trace_id for o in observations})
            if needs_trace
            else {}
        )
        prompt_ids = (
            selectors.prompt_version_ids(project=project, observations=observations) if "prompt" in groups else {}
        )
        prices = selectors.pricing_tier_default_prices(observations=observations) if "model" in groups else {}
        data = [
            serializers.observation_v2(
                o,
                groups=groups,
                trace=traces.get(o.trace_id),
                prompt_id=prompt_id_for(prompt_ids, o),
                expand_metadata=params["expand_metadata"],
                prices=prices.get(o.internal_model_id),
            )
            for o in observations
        ]
        return Response({"data": data, "meta": {"cursor": cursor}})


@schema.session_list
class SessionListView(ProjectListApiView):
    filterset_class = SessionFilter

    def get_queryset(self):
        return selectors.session_traces(project=self.request.auth.project)

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        project_id = request.auth.project.id
        return self.get_paginated_response([serializers.session_body(row, project_id) for row in rows])


@schema.session_detail
class SessionDetailView(ProjectApiView):
    def get(self, request, session_id):
        project = request.auth.project
        traces = selectors.session_trace_list(project=project, session_id=session_id)
        if not traces:
            raise NotFound(f"Session {session_id!r} not found in this project")
        row = {
            "session_id": session_id,
            "created_at": traces[0].timestamp,
            "session_environment": traces[0].environment,
        }
        body = serializers.session_body(row, project.id)
        body["traces"] = [serializers.trace_core(trace) for trace in traces]
        return Response(body)


@schema.models
class ModelsView(ProjectApiView):
    def get(self, request):
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(selectors.model_definition_list(project=request.auth.project), request, self)
        return paginator.get_paginated_response([serializers.model_public(model) for model in page])

    def post(self, request):
        serializer = serializers.ModelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = request.auth.project
        model = services.model_definition_create(project=project, **serializer.validated_data)
        return Response(serializers.model_public(selectors.model_definition_get(project=project, model_id=model.pk)))


@schema.model_detail
class ModelDetailView(ProjectApiView):
    def _get(self, request, model_id):
        model = selectors.model_definition_get(project=request.auth.project, model_id=model_id)
        if model is None:
            raise NotFound(f"Model {model_id!r} not found")
        return model

    def get(self, request, model_id):
        return Response(serializers.model_public(self._get(request, model_id)))

    def delete(self, request, model_id):
        services.model_definition_delete(model=self._get(request, model_id))
        return Response(status=204)
