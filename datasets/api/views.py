"""The datasets API: datasets (v2), items (with `version`), runs, run items, experiments and experiment items."""

from django.urls import reverse
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView
from aistrale.api.json_filter import datetime_param
from aistrale.api.pagination import LangfusePagination, positive_int_param
from datasets import experiment_selectors, selectors
from datasets.api import schema
from datasets.api.serializers import (
    DatasetCreateSerializer,
    DatasetItemCreateSerializer,
    DatasetItemQuerySerializer,
    RunItemCreateSerializer,
    RunItemQuerySerializer,
)
from datasets.services import (
    UNSET,
    dataset_upsert,
    item_delete,
    item_upsert,
    items_from_sources,
    run_delete,
    run_item_create,
)
from evals.api.serializers import validated
from observability.media import tokens


def _given(fields: dict, names: tuple[str, ...]) -> dict:
    """The optional fields the body sent (a field not sent is UNSET: it keeps its stored value)."""
    return {name: fields.get(name, UNSET) for name in names}


def _page(request, view, queryset, shape):
    paginator = LangfusePagination()
    rows = paginator.paginate_queryset(queryset, request, view)
    return paginator.get_paginated_response([shape(row) for row in rows])


def _items_public(request, items) -> list[dict]:
    """Items with their media references, each with a signed download URL."""

    def media_url(media):
        token = tokens.download_token(media_key=media.key)
        return request.build_absolute_uri(reverse("media-download", args=[token])), tokens.download_expiry()

    return selectors.dataset_items_public(items, project=request.auth.project, media_url=media_url)


class ItemPagination(LangfusePagination):
    """Pages of current items, cheap however deep (the SDKs read a dataset page by page)."""

    def __init__(self, project):
        self.project = project

    def rows(self, queryset, start, stop):
        return selectors.dataset_items_slice(queryset, project=self.project, start=start, stop=stop)


@schema.datasets
class DatasetsView(ProjectApiView):
    def get(self, request):
        return _page(request, self, selectors.dataset_list(project=request.auth.project), selectors.dataset_public)

    def post(self, request):
        fields = validated(DatasetCreateSerializer, request.data)
        dataset = dataset_upsert(
            project=request.auth.project,
            name=fields["name"],
            **_given(fields, ("description", "metadata", "input_schema", "expected_output_schema")),
        )
        return Response(selectors.dataset_public(dataset))


@schema.dataset_detail
class DatasetDetailView(ProjectApiView):
    def get(self, request, dataset_name):
        return Response(
            selectors.dataset_public(selectors.dataset_get(project=request.auth.project, name=dataset_name))
        )


@schema.dataset_items
class DatasetItemsView(ProjectApiView):
    def get(self, request):
        query = validated(DatasetItemQuerySerializer, request.query_params)
        project = request.auth.project
        dataset = (
            selectors.dataset_get(project=project, name=query["dataset_name"]) if "dataset_name" in query else None
        )
        if query.get("version") is not None:
            items = selectors.dataset_items_as_of(dataset=dataset, version=query["version"])
            for field in ("source_trace_id", "source_observation_id"):
                if query.get(field):
                    items = items.filter(**{field: query[field]})
            paginator = LangfusePagination()
        else:
            items = selectors.dataset_items(
                project=project,
                dataset=dataset,
                source_trace_id=query.get("source_trace_id"),
                source_observation_id=query.get("source_observation_id"),
            )
            paginator = ItemPagination(project)
        rows = paginator.paginate_queryset(items, request, self)
        return paginator.get_paginated_response(_items_public(request, rows))

    def post(self, request):
        fields = validated(DatasetItemCreateSerializer, request.data)
        dataset = selectors.dataset_get(project=request.auth.project, name=fields["dataset_name"])
        given = _given(
            fields, ("input", "expected_output", "metadata", "source_trace_id", "source_observation_id", "status")
        )
        if given["status"] is None:
            given["status"] = UNSET
        if "input_from" in fields or "expected_output_from" in fields:
            [item] = items_from_sources(
                dataset=dataset,
                sources=[(fields.get("source_trace_id") or None, fields.get("source_observation_id") or None)],
                input_from=fields.get("input_from"),
                expected_output_from=fields.get("expected_output_from"),
                item_id=fields.get("item_id") or None,
                metadata=given["metadata"],
                status=given["status"],
            )
        else:
            item = item_upsert(dataset=dataset, item_id=fields.get("item_id") or None, **given)
        return Response(_items_public(request, [item])[0])


@schema.dataset_item_detail
class DatasetItemDetailView(ProjectApiView):
    def get(self, request, dataset_item_id):
        item = selectors.dataset_item_get(project=request.auth.project, item_id=dataset_item_id)
        return Response(_items_public(request, [item])[0])

    def delete(self, request, dataset_item_id):
        item_delete(item=selectors.dataset_item_get(project=request.auth.project, item_id=dataset_item_id))
        return Response({"message": f"Dataset item {dataset_item_id} deleted successfully"})


@schema.dataset_runs
class DatasetRunsView(ProjectApiView):
    def get(self, request, dataset_name):
        dataset = selectors.dataset_get(project=request.auth.project, name=dataset_name)
        return _page(request, self, selectors.dataset_runs(dataset=dataset), selectors.dataset_run_public)


@schema.dataset_run_detail
class DatasetRunDetailView(ProjectApiView):
    def _run(self, request, dataset_name, run_name):
        dataset = selectors.dataset_get(project=request.auth.project, name=dataset_name)
        return selectors.dataset_run_get(dataset=dataset, name=run_name)

    def get(self, request, dataset_name, run_name):
        run = self._run(request, dataset_name, run_name)
        run_items = [selectors.dataset_run_item_public(row) for row in selectors.dataset_run_items(run=run)]
        return Response({**selectors.dataset_run_public(run), "datasetRunItems": run_items})

    def delete(self, request, dataset_name, run_name):
        run_delete(run=self._run(request, dataset_name, run_name))
        return Response({"message": f"Dataset run {run_name} deleted successfully"})


@schema.dataset_run_items
class DatasetRunItemsView(ProjectApiView):
    def get(self, request):
        query = validated(RunItemQuerySerializer, request.query_params)
        dataset = selectors.dataset_get_by_id(project=request.auth.project, dataset_id=query["dataset_id"])
        run = selectors.dataset_run_get(dataset=dataset, name=query["run_name"])
        return _page(request, self, selectors.dataset_run_items(run=run), selectors.dataset_run_item_public)

    def post(self, request):
        fields = validated(RunItemCreateSerializer, request.data)
        run_item = run_item_create(
            project=request.auth.project,
            **{name: value for name, value in fields.items() if name not in ("run_description", "metadata")},
            **_given(fields, ("run_description", "metadata")),
        )
        return Response(selectors.dataset_run_item_public(run_item))


def _csv(request, name: str) -> list[str]:
    return [value.strip() for value in request.query_params.get(name, "").split(",") if value.strip()]


def _time(request, name: str, *, required: bool = False):
    raw = request.query_params.get(name)
    if not raw and required:
        raise ValidationError({name: "is required: the earliest start time (ISO 8601) to list from"})
    return datetime_param(raw, field=name) if raw else None


def _cursor_query(request, *, groups: tuple[str, ...], default: str) -> dict:
    """The parameters both experiment lists share, checked."""
    return {
        "groups": experiment_selectors.field_groups(
            request.query_params.get("fields"), allowed=groups, default=default
        ),
        "limit": positive_int_param(request, "limit", 50, 100),
        "score_limit": positive_int_param(request, "scoreLimit", 50, 50),
        "cursor": request.query_params.get("cursor") or None,
        "from_time": _time(request, "fromStartTime", required=True),
        "to_time": _time(request, "toStartTime"),
        "filter_raw": request.query_params.get("filter") or None,
    }


@schema.experiments
class ExperimentsView(ProjectApiView):
    def get(self, request):
        project = request.auth.project
        query = _cursor_query(request, groups=experiment_selectors.EXPERIMENT_GROUPS, default="core")
        runs, cursor = experiment_selectors.experiment_page(
            project=project,
            ids=_csv(request, "id"),
            names=_csv(request, "name"),
            dataset_ids=_csv(request, "datasetId"),
            filter_raw=query["filter_raw"],
            from_time=query["from_time"],
            to_time=query["to_time"],
            cursor=query["cursor"],
            limit=query["limit"],
        )
        data = experiment_selectors.experiments_public(
            runs, project=project, groups=query["groups"], score_limit=query["score_limit"]
        )
        return Response({"data": data, "meta": {"cursor": cursor}})


@schema.experiment_items
class ExperimentItemsView(ProjectApiView):
    def get(self, request):
        project = request.auth.project
        query = _cursor_query(request, groups=experiment_selectors.ITEM_GROUPS, default="core,dataset")
        run_items, cursor = experiment_selectors.experiment_item_page(
            project=project,
            experiment_ids=_csv(request, "experimentId"),
            experiment_names=_csv(request, "experimentName"),
            item_ids=_csv(request, "experimentItemId"),
            dataset_ids=_csv(request, "datasetId"),
            filter_raw=query["filter_raw"],
            from_time=query["from_time"],
            to_time=query["to_time"],
            cursor=query["cursor"],
            limit=query["limit"],
        )
        data = experiment_selectors.experiment_items_public(
            run_items, project=project, groups=query["groups"], score_limit=query["score_limit"]
        )
        return Response({"data": data, "meta": {"cursor": cursor}})
