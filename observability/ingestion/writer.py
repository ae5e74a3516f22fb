"""One request's trace, observation and session rows written in one transaction.

Rows are merged by id in Python (`rows`), priced, then upserted set-based (`sql`), one statement per
table. Transient failures retry the whole transaction.
"""

from collections.abc import Callable

from django.db import OperationalError, transaction
from django.utils import timezone

from observability.analytics.rollups import rollups_mark
from observability.extensions import trace_writes_notify
from observability.ingestion.costs import calculate_cost, price_table, token_totals
from observability.ingestion.rows import Row, RowSet
from observability.ingestion.sql import (
    COST_RETURNING,
    OBSERVATION_UPSERT_COLUMNS,
    SESSION_UPSERT_COLUMNS,
    TRACE_UPSERT_COLUMNS,
    insert_statements,
    run_inserts,
    update,
    upsert_prepare,
)
from observability.ingestion.values import loads, parse_timestamp
from observability.models import Observation, Session, Trace
from observability.services.trace_tags import trace_tags_sync

WRITE_ATTEMPTS = 3
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})

__all__ = ["RowSet", "is_transient", "write"]


def price_observations(project_id, rows: dict[str, Row]) -> None:
    """Fill usage totals and cost on rows that carry usage, model or provided cost."""
    table = None
    for row in rows.values():
        values = row.values
        usage = values.get("usage_details")
        if usage:
            values["input_tokens"], values["output_tokens"], values["total_tokens"] = token_totals(usage)
        provided = values.get("provided_cost_details")
        if provided:
            values["cost_details"] = provided
            values["total_cost"] = provided.get("total")
        elif usage and values.get("model"):
            table = table or price_table(project_id)
            _apply_cost(table, values, values.get("start_time") or row.fallback.get("start_time"))


def _apply_cost(table, values: dict, at) -> bool:
    priced = calculate_cost(
        table=table,
        model_name=values["model"],
        usage=values["usage_details"],
        at=at,
        parameters=values.get("model_parameters"),
        metadata=values.get("metadata"),
    )
    if priced is None:
        return False
    values["internal_model_id"], values["cost_details"] = priced
    values["total_cost"] = priced[1].get("total")
    return True


def _reprice(project_id, returned: list[tuple], now) -> None:
    """Cost for rows whose model and usage came in different requests."""
    table = price_table(project_id)
    rows = {}
    for object_id, model, usage, provided, parameters, metadata, start_time in returned:
        usage, provided = loads(usage) or {}, loads(provided) or {}
        if not model or not usage or provided:
            continue
        values = {
            "model": model,
            "usage_details": usage,
            "model_parameters": loads(parameters),
            "metadata": loads(metadata),
        }
        if _apply_cost(table, values, parse_timestamp(start_time, "start_time")):
            rows[object_id] = Row(
                values={key: values.get(key) for key in ("internal_model_id", "cost_details", "total_cost")}
            )
    if rows:
        columns = [
            c for c in OBSERVATION_UPSERT_COLUMNS if c.name in ("internal_model_id", "cost_details", "total_cost")
        ]
        update(Observation._meta.db_table, columns, project_id, rows, now)


def write(*, project_id, traces: RowSet, observations: RowSet, also: Callable[[], object] | None = None):
    """Upsert one request's rows in one transaction, `also` (e.g. score handlers) inside it; returns its result.

    Once the transaction is over, the trace write handlers (observability.extensions) hear which ids it wrote.

    Transient failures (deadlocks between requests touching the same traces) retry the transaction.

    Mapping, pricing and building the INSERT statements happen before the transaction opens, so
    SQLite's write lock is held only for running the statements.
    """
    now = timezone.now()
    for row in observations.values():
        trace_id = row.values.get("trace_id")
        if trace_id:
            traces.add(
                trace_id,
                {},
                {
                    "timestamp": row.values.get("start_time") or row.fallback.get("start_time"),
                    "environment": row.values.get("environment"),
                },
            )
    price_observations(project_id, observations)
    needs_price = {
        object_id
        for object_id, row in observations.items()
        if ("usage_details" in row.values or "model" in row.values) and "cost_details" not in row.values
    }
    sessions = RowSet()
    for row in traces.values():
        if row.values.get("session_id"):
            sessions.add(row.values["session_id"], {}, {"environment": row.values.get("environment")})
    times = _times(traces, observations)
    trace_upsert = upsert_prepare(Trace, TRACE_UPSERT_COLUMNS, project_id, traces, now)
    observation_upsert = upsert_prepare(Observation, OBSERVATION_UPSERT_COLUMNS, project_id, observations, now)
    session_inserts = insert_statements(
        Session._meta.db_table, SESSION_UPSERT_COLUMNS, project_id, sessions, now, stamps=("created_at",)
    )
    result = None
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                rollups_mark(project_id=project_id, trace_ids=traces, observation_ids=observations, times=times)
                trace_upsert.run()
                trace_tags_sync(
                    project_id=project_id, trace_ids=[key for key, row in traces.items() if "tags" in row.values]
                )
                returned = observation_upsert.run(COST_RETURNING)
                returned = [item for item in returned if item[0] in needs_price]
                if returned:
                    _reprice(project_id, returned, now)
                run_inserts(session_inserts)
                result = also() if also is not None else None
            break
        except OperationalError as error:
            if attempt + 1 == WRITE_ATTEMPTS or not is_transient(error):
                raise
    trace_writes_notify(project_id=project_id, trace_ids=list(traces), observation_ids=list(observations))
    return result


def _times(traces: RowSet, observations: RowSet) -> list:
    """The timestamps a write may store: where its traces and observations will sit in time."""
    times = []
    for rows, column in ((traces, "timestamp"), (observations, "start_time")):
        for row in rows.values():
            times.extend((row.values.get(column), row.fallback.get(column)))
    return times


def is_transient(error: OperationalError) -> bool:
    """A deadlock, serialization failure or busy SQLite database: the same transaction may succeed again."""
    return getattr(error.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES or "database is locked" in str(error)
