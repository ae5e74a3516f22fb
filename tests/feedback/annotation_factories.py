"""Builders for the annotation queue tests: score configs, a queue with annotators, items."""

from datetime import UTC, datetime

from evals.models import ScoreConfig, ScoreDataType
from feedback.services.annotation_queues import annotation_items_add, annotation_queue_assign, annotation_queue_create

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUEUES_URL = "/api/public/annotation-queues"


def make_configs(project) -> dict[str, ScoreConfig]:
    """One config of each data type: quality 1-5, correct, tone (good/bad), note."""
    specs = {
        "quality": {"data_type": ScoreDataType.NUMERIC, "min_value": 1, "max_value": 5},
        "correct": {"data_type": ScoreDataType.BOOLEAN},
        "tone": {
            "data_type": ScoreDataType.CATEGORICAL,
            "categories": [{"label": "good", "value": 1}, {"label": "bad", "value": 0}],
        },
        "note": {"data_type": ScoreDataType.TEXT},
    }
    return {
        name: ScoreConfig.objects.create(project=project, id=f"cfg-{name}", name=name, **fields)
        for name, fields in specs.items()
    }


def make_queue(project, *, annotators=(), items=0, configs=None, **options):
    configs = configs if configs is not None else make_configs(project)
    queue = annotation_queue_create(
        project=project,
        name=options.pop("name", "Support answers"),
        score_config_ids=[c.id for c in configs.values()],
        **options,
    )
    for user in annotators:
        annotation_queue_assign(queue=queue, user_id=user.pk)
    if items:
        annotation_items_add(queue=queue, objects=[("TRACE", f"t{index}") for index in range(items)])
    return queue
