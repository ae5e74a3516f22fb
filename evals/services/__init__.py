"""Score and score-config writes: the rules of each, the upserts, deletes and archiving."""

from evals.services.score_configs import (
    score_config_create,
    score_config_set_archived,
    score_config_update,
)
from evals.services.scores import (
    PUBLIC_SOURCES,
    score_build,
    score_delete,
    score_delete_for_traces,
    score_delete_many,
    score_upsert_many,
)

__all__ = [
    "PUBLIC_SOURCES",
    "score_build",
    "score_config_create",
    "score_config_set_archived",
    "score_config_update",
    "score_delete",
    "score_delete_for_traces",
    "score_delete_many",
    "score_upsert_many",
]
