"""Dramatiq actor of live evaluation: one message runs one due job (see evals.live.jobs)."""

import dramatiq

import aistrale.tasks  # noqa: F401  (declares the broker before the actors)
from evals.live.jobs import evaluation_job_run
from observability.llm_calls import call_traces_batched

QUEUE = "evaluations"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def run_evaluation_job(job_id: int) -> None:
    """Run the job if it is due and pending; its own retries are scheduled by evaluation_job_run. The judge's
    trace is stored by the batch writer, off the job's path."""
    with call_traces_batched():
        evaluation_job_run(job_id=job_id)


def job_send(job_id: int, delay_ms: int) -> None:
    run_evaluation_job.send_with_options(args=(job_id,), delay=delay_ms or None)
