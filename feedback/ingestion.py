"""Storing browser feedback: the score-create events of a batch sent with the public key alone.

A measured hot path (bench/feedback.py), hand-tuned like the OTLP writer: plain score bodies are mapped
without running the DRF serializer (`evals.api.serializers.scores_from_bodies`, which still holds each
score to the score rules and its config's), and the scores are stored in one INSERT ... ON CONFLICT
(on PostgreSQL bound server-side and prepared once per connection) that replaces a score only where
browser feedback wrote it; RETURNING names the scores stored, so a score another source wrote is never
overwritten, and that event is refused, without a read before.
The policy's rules: only score-create, on a trace or an observation, source API, marked as feedback.
"""

import contextlib
import functools

import orjson
import psycopg
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.utils import timezone

from aistrale.api.outage import ServiceUnavailable
from aistrale.tenancy.models import Project
from evals.api.serializers import scores_from_bodies
from evals.models import Score, ScoreSource
from evals.services import PUBLIC_SOURCES
from evals.services.scores import UPDATE_FIELDS
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from observability.extensions import accepts_public_key
from observability.ingestion.batch import BatchResult, events_in_order
from observability.ingestion.writer import is_transient

FEEDBACK_TYPE = "score-create"
NOT_SUBJECTS = {"sessionId": "a session", "datasetRunId": "a dataset run"}
MAX_PARAMETERS = 30_000
ONLY_WHEN_ASKED = 2**31  # a psycopg prepare_threshold no statement reaches: prepared only with prepare=True
NOT_YOURS = (
    "body.id: a score with this id exists and was not written by browser feedback: the public key only creates scores"
)


def _refusal(event_type: str) -> str:
    return (
        f"type {event_type!r} needs the secret key: browsers may only send feedback scores (a request "
        f"authenticated by the public key alone may only send {FEEDBACK_TYPE} events)"
    )


def _screen_body(body: dict) -> str | None:
    """Why a browser may not send this score body, or None."""
    for key, subject in NOT_SUBJECTS.items():
        if body.get(key):
            return f"body.{key}: browser feedback is on a trace or an observation, not on {subject}"
    if not body.get("traceId"):
        return "body.traceId: browser feedback needs the trace it rates"
    if body.get("source") not in (None, ScoreSource.API):
        return f"body.source: browser feedback has source API, got {body.get('source')!r}"
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return "body.metadata: must be an object for browser feedback"
    return None


def feedback_store(*, project_id, batch: list) -> BatchResult:
    """Store the batch's feedback scores in the key's project; every other event is its own 403 or 400."""
    result = BatchResult()
    candidates = []
    for timestamp, _, event_id, event_type, body, _ in events_in_order(batch, result):
        if event_type != FEEDBACK_TYPE or not accepts_public_key(event_type):
            result.fail(event_id, _refusal(event_type), status=403)
            continue
        problem = _screen_body(body)
        if problem is not None:
            result.fail(event_id, problem, status=403)
            continue
        body["metadata"] = {**(body.get("metadata") or {}), FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE}
        candidates.append((event_id, body, timestamp))
    # A reference by key: the scores' rows and the config lookup need only the project's id.
    project = Project(pk=project_id)
    scores, errors = scores_from_bodies(project=project, bodies=candidates, allowed_sources=PUBLIC_SOURCES)
    built = iter(scores)
    score_ids = {event_id: next(built).id for event_id, _, _ in candidates if event_id not in errors}
    stored = _insert(scores) if scores else set()
    for event_id, _, _ in candidates:
        if event_id in errors:
            result.fail(event_id, errors[event_id])
        elif score_ids[event_id] not in stored:
            result.fail(event_id, NOT_YOURS, status=403)
        else:
            result.ok(event_id)
    return result


def _json_text(value) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _as_is(value):
    return value


@functools.cache
def _statement(vendor: str) -> tuple[str, str, list, list]:
    """(INSERT head, ON CONFLICT tail, the model fields in column order, each field's value preparation) of the
    feedback score insert. On PostgreSQL psycopg takes the built score's values as they are, JSON as its text."""
    table = Score._meta.db_table
    fields = [field for field in Score._meta.concrete_fields if not field.primary_key]
    by_name = {field.name: field for field in fields}
    replaced = ", ".join(f"{by_name[name].column} = excluded.{by_name[name].column}" for name in UPDATE_FIELDS)
    if vendor == "postgresql":
        marker = f"{table}.metadata ->> '{FEEDBACK_MARKER_KEY}' = '{FEEDBACK_MARKER_VALUE}'"
        preparations = [_json_text if isinstance(field, models.JSONField) else _as_is for field in fields]
    else:
        marker = f"json_extract({table}.metadata, '$.{FEEDBACK_MARKER_KEY}') = '{FEEDBACK_MARKER_VALUE}'"
        preparations = [functools.partial(field.get_db_prep_save, connection=connection) for field in fields]
    head = f"INSERT INTO {table} ({', '.join(field.column for field in fields)}) VALUES "
    tail = f" ON CONFLICT (project_id, id) DO UPDATE SET {replaced} WHERE {marker} RETURNING id"
    return head, tail, fields, preparations


def _insert(scores: list[Score]) -> set[str]:
    """Insert or replace (where feedback wrote them) these scores; the ids stored. The last of a repeated id wins."""
    head, tail, fields, preparations = _statement(connection.vendor)
    now = timezone.now()
    latest = {score.id: score for score in scores}
    rows = []
    for score in latest.values():
        score.created_at = score.updated_at = now
        rows.append(
            [prepare(getattr(score, field.attname)) for field, prepare in zip(fields, preparations, strict=True)]
        )
    per_statement = MAX_PARAMETERS // len(fields)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    statements = [
        (head + ", ".join([row_sql] * len(chunk)) + tail, [value for row in chunk for value in row])
        for chunk in (rows[start : start + per_statement] for start in range(0, len(rows), per_statement))
    ]
    try:
        return _stored(statements)
    except OperationalError as error:
        if not is_transient(error):
            raise
        raise ServiceUnavailable() from error


def _stored(statements: list[tuple[str, list]]) -> set[str]:
    """Run the statements; the ids they returned.

    Django's health check (a SELECT 1 round trip before the first query of each request) is skipped: a
    connection the server dropped fails the insert itself, which then runs once more on a new connection
    (outside a transaction only; the upsert is idempotent, so a lost answer to a commit stores nothing twice).
    """
    reconnected = False
    while True:
        connection.health_check_done = True
        try:
            return _execute(statements)
        except (OperationalError, InterfaceError):
            if reconnected or connection.in_atomic_block or connection.is_usable():
                raise
        connection.close()
        reconnected = True


def _execute(statements: list[tuple[str, list]]) -> set[str]:
    # One statement is atomic by itself (and a transaction's two round trips cheaper); several share one.
    atomic = transaction.atomic() if len(statements) > 1 else contextlib.nullcontext()
    stored: set[str] = set()
    with atomic, _statement_runner() as run:
        for sql, parameters in statements:
            stored.update(found for (found,) in run(sql, parameters))
    return stored


@contextlib.contextmanager
def _statement_runner():
    """A function running a statement and returning its rows: through Django's cursor, except on PostgreSQL.

    There the values are bound server-side and the statement is prepared once per connection (psycopg's
    cache): no quoting of every value into the statement's text, and PostgreSQL parses and plans the
    insert once instead of on every post. Not behind a transaction-pooling PgBouncer, which Django's
    DISABLE_SERVER_SIDE_CURSORS declares (a prepared statement would meet another server connection).
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:

            def run(sql, parameters):
                cursor.execute(sql, parameters)
                return cursor.fetchall()

            yield run
        return
    prepare = not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
    connection.ensure_connection()
    raw = connection.connection
    if prepare and raw.prepare_threshold is None:
        # Django turns psycopg's preparing off; its own cursors bind client-side and never prepare anyway.
        raw.prepare_threshold = ONLY_WHEN_ASKED
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:

        def run(sql, parameters):
            return cursor.execute(sql, parameters, prepare=prepare).fetchall()

        yield run
