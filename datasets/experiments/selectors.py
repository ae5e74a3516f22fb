"""Reading an experiment run while it runs: its progress and each item's status."""

from django.db.models import Count

from datasets.models import DatasetRun, ExperimentJob, ExperimentJobStatus


def experiment_progress(*, run: DatasetRun) -> dict:
    """{"total", "done", "failed", "running", "pending", "status"} of the run's item jobs."""
    counts = dict(ExperimentJob.objects.filter(run=run).values_list("status").annotate(n=Count("key")).order_by())
    total = sum(counts.values())
    done, failed = counts.get(ExperimentJobStatus.SUCCEEDED, 0), counts.get(ExperimentJobStatus.FAILED, 0)
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "running": counts.get(ExperimentJobStatus.RUNNING, 0),
        "pending": total - done - failed - counts.get(ExperimentJobStatus.RUNNING, 0),
        "status": ((run.metadata or {}).get("experiment") or {}).get("status"),
    }


def experiment_jobs(*, run: DatasetRun):
    """The run's item jobs in the order they were created."""
    return ExperimentJob.objects.filter(run=run).order_by("key")
