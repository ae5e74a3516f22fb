"""Starting an experiment run and running its items.

`experiment_start` checks every input (naming the field), creates the DatasetRun (its metadata records the
prompt, model, parameters, evaluators and status) and one ExperimentJob per item, and sends the first
`concurrency` jobs to the worker. Each job that ends (succeeded, or failed after its attempts) sends the next
pending one, so at most `concurrency` items of a run are in flight. A failed attempt is retried after a backoff
(settings.AISTRALE_EXPERIMENTS MAX_ATTEMPTS, RETRY_BASE_SECONDS); the last failure is recorded with its error.
"""

import datetime as dt
import json
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.llm import calls
from aistrale.llm.models import LlmConnection
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmRequest
from datasets.models import (
    Dataset,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
    DatasetStatus,
    ExperimentJob,
    ExperimentJobStatus,
)
from datasets.selectors import dataset_items_as_of
from datasets.services.runs import run_upsert
from evals.evaluators.runner import evaluator_run
from evals.models import EvaluatorVersion, ScoreDataType, ScoreSource
from evals.services.evaluators import model_check, model_parameters_check
from evals.services.scores import score_build, score_upsert_many
from prompts.compilation import CompilationError, compile_prompt
from prompts.models import PromptType, PromptVersion, TemplateEngine
from prompts.playground.services import messages_check

logger = logging.getLogger(__name__)

ENVIRONMENT = "aistrale-experiment"
MAX_CONCURRENCY = 32
DEFAULTS = {"MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 1.0, "STALE_RUNNING_SECONDS": 600}


def experiment_setting(name: str):
    return {**DEFAULTS, **getattr(settings, "AISTRALE_EXPERIMENTS", {})}[name]


def _concurrency_check(concurrency) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise DomainError(f"must be a whole number from 1 to {MAX_CONCURRENCY}", field="concurrency")
    return concurrency


def _items_of(dataset: Dataset, version: dt.datetime | None) -> list[tuple[str, dt.datetime, object, object]]:
    """(item id, item version, input, expected output) of each item the run covers, oldest first."""
    if version is None:
        rows = DatasetItem.objects.filter(dataset=dataset, status=DatasetStatus.ACTIVE).order_by("created_at", "id")
        return [(row.id, row.version, row.input, row.expected_output) for row in rows]
    rows = dataset_items_as_of(dataset=dataset, version=version).filter(status=DatasetStatus.ACTIVE)
    return [(row.item_id, row.valid_from, row.input, row.expected_output) for row in reversed(list(rows))]


def _evaluators_check(project_id, evaluator_versions) -> list[EvaluatorVersion]:
    versions = list(evaluator_versions or [])
    for version in versions:
        if not isinstance(version, EvaluatorVersion) or version.project_id != project_id:
            raise DomainError(
                f"evaluator version {getattr(version, 'id', version)!r} is not one of this project's",
                field="evaluator_versions",
            )
    return versions


def experiment_start(
    *,
    dataset: Dataset,
    connection: LlmConnection,
    prompt_version: PromptVersion | None = None,
    messages: list[dict] | None = None,
    model: str,
    name: str,
    version: dt.datetime | None = None,
    model_parameters: dict | None = None,
    evaluator_versions=(),
    description: str | None = None,
    concurrency: int = 4,
) -> DatasetRun:
    """Create the run and its item jobs and start the first `concurrency` of them (once this commits).

    The prompt is a stored `prompt_version`, or chat `messages` (the playground's, `{{variables}}` unfilled).
    """
    project = dataset.project
    if messages is not None:
        prompt = {"messages": messages_check(messages)}
    elif prompt_version is None or prompt_version.project_id != project.pk:
        raise DomainError("must be a prompt version of the dataset's project", field="prompt_version")
    else:
        prompt = {
            "promptName": prompt_version.prompt.name,
            "promptVersion": prompt_version.version,
            "promptVersionId": prompt_version.id,
        }
    if connection is None or connection.project_id != project.pk:
        raise DomainError("must be an LLM connection of the dataset's project", field="connection")
    model_check(project=project, model_provider=connection.provider, model=model)
    parameters = model_parameters_check(model_parameters or {})
    evaluators = _evaluators_check(project.pk, evaluator_versions)
    concurrency = _concurrency_check(concurrency)
    if not isinstance(name, str) or not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    if DatasetRun.objects.filter(dataset=dataset, name=name).exists():
        raise DomainError(f"the dataset already has a run named {name!r}", field="name", status=409)
    items = _items_of(dataset, version)
    if not items:
        raise DomainError("has no items to run" + (f" as of {version.isoformat()}" if version else ""), field="dataset")
    metadata = {
        "experiment": {
            **prompt,
            "connection": connection.provider,
            "model": model,
            "modelParameters": parameters,
            "evaluatorVersionIds": [evaluator.id for evaluator in evaluators],
            "datasetVersion": version.isoformat() if version else None,
            "concurrency": concurrency,
            "status": "running",
        }
    }
    with transaction.atomic():
        run = run_upsert(dataset=dataset, name=name, description=description, metadata=metadata)
        ExperimentJob.objects.bulk_create(
            ExperimentJob(
                project=project,
                run=run,
                item_id=item_id,
                item_version=item_version,
                input=given,
                expected_output=expected,
            )
            for item_id, item_version, given, expected in items
        )
        for _ in range(concurrency):
            _dispatch_next(run)
    return run


def _send(job_pk: int, delay_ms: int = 0) -> None:
    from datasets.actors import job_send

    transaction.on_commit(lambda: job_send(job_pk, delay_ms))


@transaction.atomic
def _dispatch_next(run: DatasetRun) -> bool:
    """Queue the run's next pending job (if any) for the worker; False when none is left."""
    job = (
        ExperimentJob.objects.select_for_update(skip_locked=True)
        .filter(run=run, status=ExperimentJobStatus.PENDING)
        .order_by("key")
        .first()
    )
    if job is None:
        return False
    ExperimentJob.objects.filter(pk=job.pk).update(status=ExperimentJobStatus.QUEUED)
    _send(job.pk)
    return True


def _config(run: DatasetRun) -> dict:
    return (run.metadata or {})["experiment"]


def _messages(version: PromptVersion, given) -> list[dict]:
    """The prompt compiled with the item's input: a dict's keys as variables, anything else as `{{input}}`.

    `version` is a stored PromptVersion, or an unsaved chat version holding the playground's messages.
    """
    if isinstance(given, dict):
        variables = {key: value if isinstance(value, str) else json.dumps(value) for key, value in given.items()}
    else:
        variables = {"input": given if isinstance(given, str) else json.dumps(given)}
    try:
        compiled = compile_prompt(
            prompt_type=version.type,
            content=version.content,
            engine=version.template_engine,
            variables=variables,
            placeholders={},
        )
    except CompilationError as error:
        raise DomainError(str(error), field="prompt_version") from error
    if version.type == PromptType.TEXT:
        return [{"role": "user", "content": compiled}]
    return [{"role": m["role"], "content": m["content"]} for m in compiled if "role" in m]


def _score(job: ExperimentJob, version: EvaluatorVersion, verdict):
    string_types = (ScoreDataType.CATEGORICAL,)
    score = score_build(
        project=job.project,
        score_id=f"experiment-{job.run_id}-{job.item_id}-{version.evaluator_id}"[:255],
        name=verdict.score_name,
        value=verdict.string_value if verdict.data_type in string_types else verdict.value,
        data_type=verdict.data_type,
        source=ScoreSource.EVAL,
        trace_id=job.trace_id,
        comment=verdict.comment,
        metadata={"datasetRunId": job.run.id, "evaluatorVersionId": version.id, "judgeTraceId": verdict.judge_trace_id},
        environment=ENVIRONMENT,
    )
    if verdict.data_type in string_types:
        score.value = verdict.value
    return score


def _run_item(job: ExperimentJob) -> DatasetRunItem:
    """The run item of this job's item (created once: a retried message finds the stored one)."""
    existing = DatasetRunItem.objects.filter(run=job.run, dataset_item_id=job.item_id).first()
    if existing is not None:
        return existing
    return DatasetRunItem.objects.create(
        project=job.project,
        id=str(uuid.uuid4()),
        run=job.run,
        dataset_item_id=job.item_id,
        item_version=job.item_version,
        trace_id=job.trace_id,
        expected_output=job.expected_output,
        start_time=job.started_at,
        end_time=timezone.now(),
    )


def _attempt(job: ExperimentJob) -> None:
    config = _config(job.run)
    if "messages" in config:
        messages = config["messages"]
        version = PromptVersion(type=PromptType.CHAT, content=messages, template_engine=TemplateEngine.LANGFUSE)
    else:
        version = PromptVersion.objects.filter(id=config["promptVersionId"]).first()
    connection = LlmConnection.objects.filter(project_id=job.project_id, provider=config["connection"]).first()
    if version is None or connection is None:
        raise DomainError("the run's prompt version or LLM connection was deleted", field="run")
    job.trace_id = uuid.uuid4().hex
    trace = CallTrace(
        project_id=job.project_id,
        environment=ENVIRONMENT,
        name=f"experiment {job.run.name}"[:255],
        trace_id=job.trace_id,
        metadata={"datasetRunId": job.run.id, "datasetItemId": job.item_id, "attempt": job.attempts},
        tags=["experiment"],
    )
    request = LlmRequest(
        model=config["model"], messages=_messages(version, job.input), parameters=config["modelParameters"]
    )
    result = calls.complete(connection=connection, request=request, trace=trace)
    variables = {"input": job.input, "output": result.text, "expected_output": job.expected_output}
    evaluators = EvaluatorVersion.objects.filter(
        project_id=job.project_id, id__in=config["evaluatorVersionIds"]
    ).select_related("evaluator")
    scores = [
        _score(
            job,
            evaluator,
            evaluator_run(version=evaluator, variables=variables, trace_metadata={"datasetRunId": job.run.id}),
        )
        for evaluator in evaluators
    ]
    with transaction.atomic():
        _run_item(job)
        score_upsert_many(scores=scores)
        job.status, job.output, job.error, job.finished_at = (
            ExperimentJobStatus.SUCCEEDED,
            result.text,
            None,
            timezone.now(),
        )
        job.save(update_fields=["status", "output", "error", "finished_at", "trace_id"])


def _failed(job: ExperimentJob, message: str) -> None:
    job.error = message
    if job.attempts < experiment_setting("MAX_ATTEMPTS"):
        job.status = ExperimentJobStatus.QUEUED
        job.save(update_fields=["status", "error", "trace_id"])
        backoff = float(experiment_setting("RETRY_BASE_SECONDS")) * 2 ** (job.attempts - 1)
        _send(job.pk, int(backoff * 1000))
        return
    job.status, job.finished_at = ExperimentJobStatus.FAILED, timezone.now()
    job.save(update_fields=["status", "error", "trace_id", "finished_at"])


@transaction.atomic
def _finish_run_if_done(run: DatasetRun) -> None:
    run = DatasetRun.objects.select_for_update().get(pk=run.pk)
    open_statuses = [ExperimentJobStatus.PENDING, ExperimentJobStatus.QUEUED, ExperimentJobStatus.RUNNING]
    if ExperimentJob.objects.filter(run=run, status__in=open_statuses).exists():
        return
    metadata = run.metadata or {}
    metadata["experiment"] = {**metadata.get("experiment", {}), "status": "completed"}
    run.metadata = metadata
    run.save(update_fields=["metadata", "updated_at"])


def experiment_job_run(*, job_id: int, now=None) -> ExperimentJob | None:
    """Run one queued job (one attempt); None when it is not queued (a duplicate or redelivered message).

    A job found running is claimed again, as its next attempt, once it has run STALE_RUNNING_SECONDS (its worker
    died); until then the message comes back when it would be stale.
    """
    now = now or timezone.now()
    stale_after = dt.timedelta(seconds=experiment_setting("STALE_RUNNING_SECONDS"))
    claimable = Q(status=ExperimentJobStatus.QUEUED) | Q(
        status=ExperimentJobStatus.RUNNING, started_at__lte=now - stale_after
    )
    claimed = ExperimentJob.objects.filter(claimable, pk=job_id).update(
        status=ExperimentJobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        running = ExperimentJob.objects.filter(pk=job_id, status=ExperimentJobStatus.RUNNING).values_list(
            "started_at", flat=True
        )
        if running:
            _send(job_id, max(0, int((running[0] + stale_after - now).total_seconds() * 1000)))
        return None
    job = ExperimentJob.objects.select_related("run", "project").get(pk=job_id)
    try:
        _attempt(job)
    except DomainError as error:
        _failed(job, f"{type(error).__name__}: {error.message}")
    except Exception as error:
        logger.exception("experiment job %s failed", job.pk)
        _failed(job, f"{type(error).__name__}: {error}")
    ended = job.status in (ExperimentJobStatus.SUCCEEDED, ExperimentJobStatus.FAILED)
    if ended and not _dispatch_next(job.run):
        _finish_run_if_done(job.run)
    return job
