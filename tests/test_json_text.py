"""Large floats read back from PostgreSQL's jsonb as wide integers still encode, as the floats they were."""

import orjson
import pytest

from aistrale import json_text
from observability.models import Trace

pytestmark = pytest.mark.django_db


def test_wide_integers_encode_as_floats_and_the_rest_is_untouched():
    value = {"big": -1146230647220411000000000000000000, "nested": [10**30, 1], "ok": 2**63, "flag": True}
    assert orjson.loads(json_text.dumps(value)) == {
        "big": -1.146230647220411e33,
        "nested": [1e30, 1],
        "ok": 2**63,
        "flag": True,
    }
    assert json_text.dumps({"a": 1}) == orjson.dumps({"a": 1})
    with pytest.raises(TypeError):
        json_text.dumps({"a": object()})


def test_a_large_float_in_metadata_reads_back_on_every_database(api_client, project):
    event = {"id": "e1", "type": "trace-create", "timestamp": "2026-12-01T10:00:00Z"}
    body = {"id": "t-big", "metadata": {"huge": -1.146230647220411e33}, "input": [1e300]}
    response = api_client.post("/api/public/ingestion", {"batch": [{**event, "body": body}]}, format="json")
    assert response.status_code == 207 and response.json()["errors"] == []
    Trace.objects.get(project=project, id="t-big")
    for path in ("/api/public/traces/t-big", "/api/public/traces"):
        response = api_client.get(path)
        assert response.status_code == 200, response.content[:300]
    detail = api_client.get("/api/public/traces/t-big").json()
    assert detail["metadata"]["huge"] == pytest.approx(-1.146230647220411e33)
    assert detail["input"] == [pytest.approx(1e300)]
