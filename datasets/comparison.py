"""Runs of one dataset side by side: per item each run's output, scores, latency and cost; per run the
aggregates; per score the difference of every run to the first (the baseline) with a paired bootstrap interval
over the items both runs scored.

A run item's output, latency and cost are its observation's when it names one, else its trace's (latency from
the first start to the last end of the trace's observations, cost their sum). Its scores are those on its
trace (and the trace's observations); several scores of one name on a trace count as their mean. Run-level
scores (on the run itself, as SDK run evaluators write them) show in the run's aggregates. When a run executed
an item more than once, its latest run item counts. A fixed number of queries, whatever the number of items.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from aistrale.errors import DomainError
from datasets.bootstrap import PairedDifference, paired_bootstrap
from datasets.models import Dataset, DatasetItem, DatasetRun, DatasetRunItem
from evals.models import Score, ScoreDataType
from observability.models import Observation, Trace, seconds_between
from observability.selectors import trace_metrics

NUMERIC_TYPES = (ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN)


@dataclass
class RunCell:
    """One run's execution of one item."""

    trace_id: str
    observation_id: str | None
    output: object = None
    latency: float | None = None
    cost: Decimal | None = None
    scores: dict[str, float | str] = field(default_factory=dict)


@dataclass
class ItemRow:
    item_id: str
    input: object
    expected_output: object
    cells: list[RunCell | None]


@dataclass
class RunSummary:
    run: DatasetRun
    items: int
    scores: dict[str, float]
    run_scores: dict[str, float | str]
    mean_latency: float | None
    total_cost: Decimal | None


@dataclass
class ScoreDifference:
    """`candidate` minus the baseline run on score `name`; None when no item has both scores."""

    name: str
    candidate: DatasetRun
    interval: PairedDifference | None


@dataclass
class Comparison:
    dataset: Dataset
    runs: list[DatasetRun]
    score_names: list[str]
    rows: list[ItemRow]
    summaries: list[RunSummary]
    differences: list[ScoreDifference]


def comparison_runs(*, dataset: Dataset, run_keys: list[int]) -> list[DatasetRun]:
    """The dataset's runs with these keys, oldest first (the baseline); DomainError unless 2+ runs of it."""
    if len(set(run_keys)) < 2:
        raise DomainError("pick at least two runs to compare", field="runs")
    found = list(DatasetRun.objects.filter(dataset=dataset, key__in=run_keys).order_by("created_at", "key"))
    missing = sorted(set(run_keys) - {run.key for run in found})
    if missing:
        raise DomainError(f"no run {missing[0]} in dataset {dataset.name!r}", field="runs")
    return found


def _latest_run_items(run_items) -> dict[tuple[int, str], tuple[str, str | None]]:
    """{(run key, item id): (trace id, observation id)} of each run's latest execution of each item."""
    rows = run_items.order_by("created_at", "key").values_list(
        "run_id", "dataset_item_id", "trace_id", "observation_id"
    )
    return {(run_key, item_id): (trace_id, observation_id) for run_key, item_id, trace_id, observation_id in rows}


def _cells(project, latest: dict) -> dict[tuple[int, str], RunCell]:
    trace_ids = list({trace_id for trace_id, _ in latest.values()})
    observation_ids = [observation_id for _, observation_id in latest.values() if observation_id]
    traces = dict(Trace.objects.filter(project=project, id__in=trace_ids).values_list("id", "output"))
    observations = {
        row[0]: row[1:]
        for row in Observation.objects.filter(project=project, id__in=observation_ids).values_list(
            "id", "output", "start_time", "end_time", "total_cost"
        )
    }
    metrics = trace_metrics(project=project, trace_ids=trace_ids)
    scores = _trace_scores(project, trace_ids)
    cells = {}
    for key, (trace_id, observation_id) in latest.items():
        cell = RunCell(trace_id=trace_id, observation_id=observation_id)
        observation = observations.get(observation_id) if observation_id else None
        if observation is not None:
            cell.output, start_time, end_time, cell.cost = observation
            cell.latency = seconds_between(start_time, end_time)
        else:
            cell.output = traces.get(trace_id)
            trace_metric = metrics.get(trace_id)
            if trace_metric is not None:
                cell.latency, cell.cost = trace_metric.latency, trace_metric.total_cost
        cell.scores = scores.get(trace_id, {})
        cells[key] = cell
    return cells


def _trace_scores(project, trace_ids: list[str]) -> dict[str, dict[str, float | str]]:
    """{trace id: {score name: mean numeric value, or the latest text}}."""
    numbers: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    rows = Score.objects.filter(project=project, trace_id__in=trace_ids).order_by("timestamp", "key")
    for trace_id, name, value, string_value, data_type in rows.values_list(
        "trace_id", "name", "value", "string_value", "data_type"
    ):
        if data_type in NUMERIC_TYPES and value is not None:
            numbers[trace_id][name].append(value)
        elif string_value is not None:
            texts[trace_id][name] = string_value
    found = {trace_id: dict(names) for trace_id, names in texts.items()}
    for trace_id, names in numbers.items():
        found.setdefault(trace_id, {}).update({name: sum(values) / len(values) for name, values in names.items()})
    return found


def _run_scores(project, runs: list[DatasetRun]) -> dict[str, dict[str, float | str]]:
    found: dict[str, dict[str, float | str]] = defaultdict(dict)
    rows = Score.objects.filter(project=project, dataset_run_id__in=[run.id for run in runs], trace_id__isnull=True)
    for run_id, name, value, string_value, data_type in rows.order_by("timestamp", "key").values_list(
        "dataset_run_id", "name", "value", "string_value", "data_type"
    ):
        found[run_id][name] = value if data_type in NUMERIC_TYPES else string_value
    return found


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _summary(run: DatasetRun, cells: list[RunCell], score_names: list[str], run_scores) -> RunSummary:
    costs = [cell.cost for cell in cells if cell.cost is not None]
    return RunSummary(
        run=run,
        items=len(cells),
        scores={
            name: _mean([c.scores[name] for c in cells if isinstance(c.scores.get(name), float)])
            for name in score_names
        },
        run_scores=run_scores.get(run.id, {}),
        mean_latency=_mean([cell.latency for cell in cells if cell.latency is not None]),
        total_cost=sum(costs, Decimal(0)) if costs else None,
    )


def run_comparison(*, dataset: Dataset, runs: list[DatasetRun], seed: int = 0) -> Comparison:
    """The comparison of these runs of the dataset (the first is the baseline of the differences)."""
    latest = _latest_run_items(DatasetRunItem.objects.filter(run__in=runs))
    cells = _cells(dataset.project_id, latest)
    item_ids = {item_id for _, item_id in latest}
    items = DatasetItem.objects.filter(dataset=dataset, id__in=item_ids)
    known = {
        item_id: (input, expected_output)
        for item_id, input, expected_output in items.order_by("created_at", "key").values_list(
            "id", "input", "expected_output"
        )
    }
    ordered = [*known, *sorted(item_ids - known.keys())]
    rows = [
        ItemRow(
            item_id=item_id,
            input=known[item_id][0] if item_id in known else None,
            expected_output=known[item_id][1] if item_id in known else None,
            cells=[cells.get((run.key, item_id)) for run in runs],
        )
        for item_id in ordered
    ]
    score_names = sorted({name for cell in cells.values() for name in cell.scores})
    numeric_names = [name for name in score_names if any(isinstance(c.scores.get(name), float) for c in cells.values())]
    run_scores = _run_scores(dataset.project_id, runs)
    summaries = [
        _summary(run, [row.cells[index] for row in rows if row.cells[index]], numeric_names, run_scores)
        for index, run in enumerate(runs)
    ]
    differences = []
    for index, candidate in enumerate(runs[1:], start=1):
        for name in numeric_names:
            pairs = [
                (row.cells[0].scores[name], row.cells[index].scores[name])
                for row in rows
                if row.cells[0]
                and row.cells[index]
                and isinstance(row.cells[0].scores.get(name), float)
                and isinstance(row.cells[index].scores.get(name), float)
            ]
            differences.append(
                ScoreDifference(name=name, candidate=candidate, interval=paired_bootstrap(pairs, seed=seed))
            )
    return Comparison(
        dataset=dataset, runs=runs, score_names=score_names, rows=rows, summaries=summaries, differences=differences
    )
