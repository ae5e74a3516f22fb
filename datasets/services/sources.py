"""Dataset items from production: a trace's or observation's input, output, metadata or correction as the item.

The field mapping says which value becomes the item's input and which its expected output; `correction`
takes the latest CORRECTION score's corrected output of that trace or observation. An item made from a
source without an id of its own gets one derived from the dataset and the source, so adding the same trace
twice updates one item.
"""

import hashlib

from django.db import transaction

from aistrale.errors import DomainError
from datasets.models import Dataset, DatasetItem
from datasets.services.datasets import UNSET
from datasets.services.items import item_upsert
from evals.models import Score, ScoreDataType
from observability.models import Observation, Trace

SOURCE_FIELDS = ("input", "output", "metadata", "correction")


def _field_check(value: str | None, *, field: str) -> None:
    if value is not None and value not in SOURCE_FIELDS:
        raise DomainError(f"must be one of {', '.join(SOURCE_FIELDS)}, got {value!r}", field=field)


def _corrections(project, sources: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], str]:
    """{(trace id, observation id or None): the latest corrected output} of these sources (one query)."""
    scores = Score.objects.filter(
        project=project, data_type=ScoreDataType.CORRECTION, trace_id__in={trace_id for trace_id, _ in sources}
    ).order_by("timestamp", "key")
    return {(score.trace_id, score.observation_id or None): score.string_value for score in scores}


def _subjects(project, sources: list[tuple[str | None, str | None]]) -> dict:
    """{(trace id, observation id): the Observation, or the Trace for a trace source}; DomainError for a missing one."""
    observation_ids = {observation_id for _, observation_id in sources if observation_id}
    observations = {row.id: row for row in Observation.objects.filter(project=project, id__in=observation_ids)}
    trace_ids = {trace_id for trace_id, observation_id in sources if trace_id and not observation_id}
    traces = {row.id: row for row in Trace.objects.filter(project=project, id__in=trace_ids)}
    found = {}
    for trace_id, observation_id in sources:
        if observation_id:
            observation = observations.get(observation_id)
            if observation is None or (trace_id and observation.trace_id != trace_id):
                raise DomainError(f"no observation {observation_id!r} in this project", field="source_observation_id")
            found[(observation.trace_id, observation_id)] = observation
        elif trace_id:
            if trace_id not in traces:
                raise DomainError(f"no trace {trace_id!r} in this project", field="source_trace_id")
            found[(trace_id, None)] = traces[trace_id]
        else:
            raise DomainError("is required to take values from a source", field="source_trace_id")
    return found


def _value(subject, source: tuple[str, str | None], field: str, corrections: dict, *, target: str):
    if field != "correction":
        return getattr(subject, field)
    if source not in corrections:
        what = f"observation {source[1]!r}" if source[1] else f"trace {source[0]!r}"
        raise DomainError(f"{what} has no correction (a CORRECTION score)", field=target)
    return corrections[source]


def source_item_id(dataset: Dataset, trace_id: str, observation_id: str | None) -> str:
    """The id of the item made from this trace or observation in this dataset."""
    return hashlib.sha256(f"{dataset.id}\n{trace_id}\n{observation_id or ''}".encode()).hexdigest()[:32]


@transaction.atomic
def items_from_sources(
    *,
    dataset: Dataset,
    sources: list[tuple[str | None, str | None]],
    input_from: str | None = "input",
    expected_output_from: str | None = "output",
    item_id: str | None = None,
    metadata=UNSET,
    status: str = UNSET,
) -> list[DatasetItem]:
    """Make or update one item per (trace id, observation id) source, taking input and expected output as mapped.

    A mapping of None leaves that field out (null on a new item, unchanged on an existing one). `item_id` names
    the item of a single source. All or nothing: a source that is missing or breaks the schema stores none.
    """
    _field_check(input_from, field="input_from")
    _field_check(expected_output_from, field="expected_output_from")
    if item_id is not None and len(sources) != 1:
        raise DomainError("names one item, so give one source", field="id")
    project = dataset.project
    subjects = _subjects(project, sources)
    needs_corrections = "correction" in (input_from, expected_output_from)
    corrections = _corrections(project, list(subjects)) if needs_corrections else {}
    items = []
    for source, subject in subjects.items():
        values = {
            "input": UNSET
            if input_from is None
            else _value(subject, source, input_from, corrections, target="input_from"),
            "expected_output": UNSET
            if expected_output_from is None
            else _value(subject, source, expected_output_from, corrections, target="expected_output_from"),
        }
        items.append(
            item_upsert(
                dataset=dataset,
                item_id=item_id or source_item_id(dataset, *source),
                source_trace_id=source[0],
                source_observation_id=source[1],
                metadata=metadata,
                status=status,
                **values,
            )
        )
    return items
