"""Dramatiq actor of server-side experiments: one message runs one attempt of one item job."""

import dramatiq

import aistrale.tasks  # noqa: F401  (declares the broker before the actors)
from datasets.experiments.services import experiment_job_run

QUEUE = "experiments"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def run_experiment_item(job_id: int) -> None:
    """Run the queued job; its own retries are scheduled by experiment_job_run."""
    experiment_job_run(job_id=job_id)


def job_send(job_id: int, delay_ms: int) -> None:
    run_experiment_item.send_with_options(args=(job_id,), delay=delay_ms or None)
