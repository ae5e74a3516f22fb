"""The datasets app's playground actions (registered in apps.py): keep a run as a dataset item, or run the
playground's messages with a variant's connection, model and parameters over a dataset, server-side."""

from django.urls import reverse
from django.utils import timezone

from aistrale.errors import DomainError
from datasets.experiments.services import experiment_start
from datasets.selectors import dataset_get
from datasets.services import item_upsert
from prompts.playground.services import messages_check, variant_parse


def _dataset(project, data):
    name = data.get("dataset")
    if not isinstance(name, str) or not name.strip():
        raise DomainError("must name one of the project's datasets", field="dataset")
    return dataset_get(project=project, name=name)


def add_to_dataset(*, user, project, data: dict) -> dict:
    """The run as an item: its variables (or, with none, its messages) as input, its output as expected output."""
    dataset = _dataset(project, data)
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise DomainError("must be an object of names and values", field="variables")
    output = data.get("output")
    if not isinstance(output, str):
        raise DomainError("must be the run's output text", field="output")
    trace_id = data.get("traceId")
    item = item_upsert(
        dataset=dataset,
        input=variables or messages_check(data.get("messages")),
        expected_output=output,
        metadata={"source": "playground", "model": (data.get("variant") or {}).get("model")},
        source_trace_id=trace_id if isinstance(trace_id, str) and trace_id else None,
    )
    return {"dataset": dataset.name, "itemId": item.id}


def run_over_dataset(*, user, project, data: dict) -> dict:
    """A server-side experiment of the messages (`{{variables}}` filled per item) with the variant."""
    dataset = _dataset(project, data)
    variant = variant_parse(project=project, data=data.get("variant"))
    name = data.get("name") or f"playground {timezone.now():%Y-%m-%d %H:%M:%S}"
    run = experiment_start(
        dataset=dataset,
        messages=messages_check(data.get("messages")),
        connection=variant.connection,
        model=variant.model,
        model_parameters=variant.parameters,
        name=name,
        concurrency=data.get("concurrency", 4),
    )
    return {"run": run.name, "url": reverse("admin:datasets_datasetrun_change", args=[run.pk])}
