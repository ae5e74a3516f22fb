"""Builders for evals tests: score request bodies, configs and stored scores."""

from evals.services import score_build, score_config_create, score_upsert_many

SCORES_URL = "/api/public/scores"
CONFIGS_URL = "/api/public/score-configs"


def score_body(**fields) -> dict:
    """A valid POST /api/public/scores body for trace t1, with `fields` changed."""
    return {"id": "s", "traceId": "t1", "name": "q", "value": 1, **fields}


def make_config(project, *, name="quality", data_type="NUMERIC", **fields):
    return score_config_create(project=project, name=name, data_type=data_type, **fields)


def make_score(project, **fields):
    """A stored score (trace t1, NUMERIC 1 unless `fields` say otherwise)."""
    score = score_build(project=project, **{"name": "q", "value": 1, "trace_id": "t1", **fields})
    score_upsert_many(scores=[score])
    return score
