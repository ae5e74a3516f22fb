"""Builders for evals tests: score request bodies."""

SCORES_URL = "/api/public/scores"


def score_body(**fields) -> dict:
    """A valid POST /api/public/scores body for trace t1, with `fields` changed."""
    return {"id": "s", "traceId": "t1", "name": "q", "value": 1, **fields}
