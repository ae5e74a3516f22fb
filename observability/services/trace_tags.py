"""The trace_tag side table kept equal to the stored traces' tags, set-based, inside the writer's transaction.

One statement per call on PostgreSQL (two on SQLite) whatever the number of traces: delete the rows of
tags a trace no longer holds, insert those it holds now (string tags up to TraceTag.INDEXED_LENGTH
characters, each once).
"""

from collections.abc import Collection

import orjson
from django.db import connection

from observability.models import Trace, TraceTag

TRACES = Trace._meta.db_table
TAGS = TraceTag._meta.db_table
LENGTH = TraceTag.INDEXED_LENGTH

POSTGRES = (
    f"WITH stale AS (DELETE FROM {TAGS} g USING {TRACES} t WHERE t.project_id = %s AND t.id = ANY(%s)"
    " AND g.trace_key = t.key AND NOT (jsonb_typeof(t.tags) = 'array' AND t.tags @> jsonb_build_array(g.tag)))"
    f" INSERT INTO {TAGS} (project_id, tag, trace_key) SELECT DISTINCT t.project_id, e.tag, t.key FROM {TRACES} t"
    " CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.tags) = 'array'"
    " THEN jsonb_path_query_array(t.tags, '$[*] ? (@.type() == \"string\")') ELSE '[]' END) AS e(tag)"
    f" WHERE t.project_id = %s AND t.id = ANY(%s) AND length(e.tag) <= {LENGTH} ON CONFLICT DO NOTHING"
)

_SQLITE_TRACES = f"SELECT key FROM {TRACES} WHERE project_id = %s AND id IN (SELECT value FROM json_each(%s))"
_SQLITE_ELEMENTS = "json_each(CASE WHEN json_type(t.tags) = 'array' THEN t.tags ELSE '[]' END) e"
SQLITE = (
    f"DELETE FROM {TAGS} WHERE trace_key IN ({_SQLITE_TRACES}) AND NOT EXISTS (SELECT 1 FROM {TRACES} t,"
    f" {_SQLITE_ELEMENTS} WHERE t.key = {TAGS}.trace_key AND e.type = 'text' AND e.value = {TAGS}.tag)",
    f"INSERT INTO {TAGS} (project_id, tag, trace_key) SELECT DISTINCT t.project_id, e.value, t.key FROM {TRACES} t,"
    f" {_SQLITE_ELEMENTS} WHERE t.key IN ({_SQLITE_TRACES}) AND e.type = 'text' AND length(e.value) <= {LENGTH}"
    " ON CONFLICT DO NOTHING",
)


def trace_tags_sync(*, project_id: str, trace_ids: Collection[str]) -> None:
    """Make trace_tag hold exactly the (indexed) tags these stored traces of the project hold now."""
    if not trace_ids:
        return
    if connection.vendor == "postgresql":
        ids = list(trace_ids)
        statements = [(POSTGRES, [project_id, ids, project_id, ids])]
    else:
        ids = orjson.dumps(list(trace_ids)).decode()
        statements = [(statement, [project_id, ids]) for statement in SQLITE]
    with connection.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
