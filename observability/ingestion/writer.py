"""Set-based upserts of trace, observation and session rows.

Rows of one request are first merged by id in Python. Then, per table: one INSERT ... ON CONFLICT DO
NOTHING for the new ids, and for ids that already existed one UPDATE ... FROM v whose COALESCE keeps
every stored value the request did not send. A trace value derived from a span (`Row.derived`, see
`DerivedField`) fills a column only while no explicit value is stored there, in the request or the row.
Updates thus merge in any arrival order, and concurrent requests for the same id serialise on the row
lock instead of overwriting each other. The rows reach the database as one array per column
(PostgreSQL, unnest) or a VALUES list (SQLite).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from observability.extensions import trace_writes_notify
from observability.ingestion.costs import calculate_cost, price_table, token_totals
from observability.ingestion.values import dumps, loads, parse_timestamp
from observability.models import Observation, Session, Trace
from observability.models.traces import DerivedField

MAX_PARAMETERS = 30_000
WRITE_ATTEMPTS = 3
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
JSON_MERGED = frozenset({"metadata"})
REQUIRED_TIMES = frozenset({"timestamp", "start_time"})
DERIVED_COLUMN = "derived_fields"
DERIVED_BITS = {flag.column: flag.value for flag in DerivedField}


@dataclass
class Row:
    """One object's values as sent (absent = keep what is stored), values derived from other fields
    (kept only where nothing explicit is stored or sent) and insert-only fallbacks."""

    values: dict = field(default_factory=dict)
    fallback: dict = field(default_factory=dict)
    derived: dict = field(default_factory=dict)

    def merge(self, values: dict, fallback: dict | None = None, derived: dict | None = None) -> None:
        for key, value in (derived or {}).items():
            if value is not None:
                self.derived[key] = value
        if not self.values and not self.fallback:
            self.values = {key: value for key, value in values.items() if value is not None}
            self.fallback = {key: value for key, value in (fallback or {}).items() if value is not None}
            return
        for key, value in values.items():
            if value is None:
                continue
            current = self.values.get(key)
            if key in JSON_MERGED and isinstance(current, dict) and isinstance(value, dict):
                self.values[key] = {**current, **value}
            elif key == "tags" and current:
                self.values[key] = list(dict.fromkeys([*current, *value]))
            else:
                self.values[key] = value
        for key, value in (fallback or {}).items():
            if value is None:
                continue
            current = self.fallback.get(key)
            if current is None or (key in ("timestamp", "start_time") and value < current):
                self.fallback[key] = value

    def derived_only(self) -> dict:
        """The derived values no explicit value of this request overrides."""
        return {key: value for key, value in self.derived.items() if key not in self.values}

    def derived_mask(self) -> int:
        return sum(DERIVED_BITS[key] for key in self.derived_only())

    def sent(self) -> dict:
        """The values an update writes: explicit ones, and derived ones where nothing explicit was sent."""
        return {**self.derived_only(), **self.values} if self.derived else self.values


class RowSet(dict):
    def add(self, object_id: str, values: dict, fallback: dict | None = None, derived: dict | None = None) -> Row:
        row = self.get(object_id)
        if row is None:
            row = self[object_id] = Row()
        row.merge(values, fallback, derived)
        return row


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, json, datetime, bool, int, decimal
    default: object = None


COLUMN_KINDS = {
    "CharField": "text",
    "TextField": "text",
    "JSONField": "json",
    "DateTimeField": "datetime",
    "BooleanField": "bool",
    "IntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "BigIntegerField": "int",
    "DecimalField": "decimal",
}
NOT_UPSERTED = frozenset({"key", "project", "id", "created_at", "updated_at"})


def upsert_columns(model) -> list[Column]:
    """Every concrete field of `model` but its keys and stamps, with the field's default for inserts.

    Derived from the model, so a new field is written (with its default) rather than silently dropped.
    """
    columns = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in NOT_UPSERTED:
            continue
        kind = COLUMN_KINDS[model_field.get_internal_type()]
        default = model_field.get_default() if model_field.has_default() else None
        columns.append(Column(model_field.column, kind, default))
    return columns


TRACE_UPSERT_COLUMNS = upsert_columns(Trace)
OBSERVATION_UPSERT_COLUMNS = upsert_columns(Observation)
SESSION_UPSERT_COLUMNS = upsert_columns(Session)
PG_TYPES = {"json": "jsonb", "datetime": "timestamptz", "bool": "boolean", "int": "bigint", "decimal": "numeric"}
COST_RETURNING = ["id", "model", "usage_details", "provided_cost_details", "model_parameters", "metadata", "start_time"]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _placeholder() -> str:
    return "%b" if _is_postgres() else "%s"


def _cursor():
    """On PostgreSQL a server-binding cursor: array parameters travel in binary, unquoted and unescaped."""
    if not _is_postgres():
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    # Django has no public way to wrap a cursor of another class: connection.cursor() always makes the
    # backend's own. The documented alternative, OPTIONS["server_side_binding"], would switch every query
    # of the application to server-side binding; only these statements need it.
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _adapt(column: Column, value):
    """A Python value as the database takes it (text arrives checked: the mappers refuse NUL characters)."""
    if value is None:
        return None
    if column.kind == "json":
        return dumps(value)
    if column.kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    if column.kind == "decimal":
        return str(value) if connection.vendor == "sqlite" else Decimal(str(value))
    return value


def _sqlite_shallow_merge(stored: str, incoming: str) -> str:
    """SQLite JSON for `stored || incoming` as PostgreSQL merges jsonb: top-level keys, nulls kept."""
    replaced = f"SELECT key FROM json_each({incoming})"
    kept = f"SELECT key, value, type FROM json_each({stored}) WHERE key NOT IN ({replaced})"
    sent = f"SELECT key, value, type FROM json_each({incoming})"
    as_json = (
        "CASE WHEN type IN ('object', 'array') THEN json(value)"
        " WHEN type IN ('true', 'false', 'null') THEN json(type) ELSE value END"
    )
    return f"(SELECT json_group_object(key, {as_json}) FROM ({kept} UNION ALL {sent}))"


def _explicit_stored(name: str, bit: int) -> str:
    return f"(t.{name} IS NOT NULL AND (t.{connection.ops.quote_name(DERIVED_COLUMN)} & {bit}) = 0)"


def _derived_expression(used: set[str]) -> str:
    """The new DerivedField bits: per column, kept when not sent, cleared when sent explicitly or when
    a derived value met an explicit stored one, set when a derived value was written."""
    stored = f"t.{connection.ops.quote_name(DERIVED_COLUMN)}"
    terms = []
    for column, bit in DERIVED_BITS.items():
        if column not in used:
            terms.append(f"({stored} & {bit})")
            continue
        name = connection.ops.quote_name(column)
        terms.append(
            f"CASE WHEN v.v_{column} IS NULL THEN ({stored} & {bit}) "
            f"WHEN (v.v_{DERIVED_COLUMN} & {bit}) = 0 OR {_explicit_stored(name, bit)} THEN 0 ELSE {bit} END"
        )
    return " + ".join(terms)


def _merge_expression(column: Column, used: set[str]) -> str:
    """SQL for a column's new value; `used` holds DERIVED_COLUMN when the table tracks derived values."""
    name = connection.ops.quote_name(column.name)
    incoming = f"v.v_{column.name}"
    if column.name == DERIVED_COLUMN:
        return _derived_expression(used)
    if column.name in DERIVED_BITS and DERIVED_COLUMN in used:
        bit = DERIVED_BITS[column.name]
        kept = f"(v.v_{DERIVED_COLUMN} & {bit}) <> 0 AND {_explicit_stored(name, bit)}"
        return f"CASE WHEN {kept} THEN t.{name} ELSE COALESCE({incoming}, t.{name}) END"
    if column.name in JSON_MERGED:
        if _is_postgres():
            both_objects = f"jsonb_typeof(t.{name}) = 'object' AND jsonb_typeof({incoming}) = 'object'"
            return f"CASE WHEN {both_objects} THEN t.{name} || {incoming} ELSE COALESCE({incoming}, t.{name}) END"
        both_objects = f"json_type(t.{name}) = 'object' AND json_type({incoming}) = 'object'"
        merged = _sqlite_shallow_merge(f"t.{name}", incoming)
        return f"CASE WHEN {both_objects} THEN {merged} ELSE COALESCE({incoming}, t.{name}) END"
    return f"COALESCE({incoming}, t.{name})"


def _chunks(items: list, width: int):
    """PostgreSQL takes a whole column as one array parameter; SQLite binds each value."""
    size = len(items) if _is_postgres() else max(1, MAX_PARAMETERS // width)
    for start in range(0, len(items), size or 1):
        yield items[start : start + size]


def _source(columns: list[Column], records: list[list]) -> tuple[str, list]:
    """A CTE body yielding the records as v(v_id, v_<column>...), and its parameters.

    PostgreSQL: unnest() of one typed array per column, so the statement text (and its parse)
    does not grow with the rows. SQLite: a VALUES list.
    """
    if _is_postgres():
        arrays = ", ".join(f"%b::{PG_TYPES.get(c.kind, 'text')}[]" for c in [Column("id", "text"), *columns])
        return f"SELECT * FROM unnest({arrays})", [list(values) for values in zip(*records, strict=True)]
    placeholders = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    return f"VALUES {', '.join([placeholders] * len(records))}", [value for record in records for value in record]


def _cte(columns: list[Column], records: list[list]) -> tuple[str, list]:
    names = ", ".join(["v_id", *[f"v_{c.name}" for c in columns]])
    body, params = _source(columns, records)
    return f"WITH v ({names}) AS ({body}) ", params


def _insert(
    table: str, columns: list[Column], project_id, rows: dict[str, Row], now, stamps=("created_at", "updated_at")
) -> set[str]:
    """INSERT the rows whose id is new; returns the ids inserted."""
    quote = connection.ops.quote_name
    names = ["project_id", "id", *[c.name for c in columns], *stamps]
    mark = _placeholder()
    selected = ", ".join([mark, "v.v_id", *[f"v.v_{c.name}" for c in columns], *[mark] * len(stamps)])
    stamp = connection.ops.adapt_datetimefield_value(now)
    inserted: set[str] = set()
    for chunk in _chunks(sorted(rows.items()), len(columns) + 1):
        records = []
        for object_id, row in chunk:
            record = [object_id]
            values, fallback = row.sent(), row.fallback
            for column in columns:
                value = row.derived_mask() if column.name == DERIVED_COLUMN else values.get(column.name)
                if value is None:
                    value = fallback.get(column.name, column.default)
                    if value is None and column.name in REQUIRED_TIMES:
                        value = now
                record.append(None if value is None else _adapt(column, value))
            records.append(record)
        cte, params = _cte(columns, records)
        sql = (
            f"{cte}INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "
            f"SELECT {selected} FROM v WHERE true "
            f"ON CONFLICT ({quote('project_id')}, {quote('id')}) DO NOTHING RETURNING {quote('id')}"
        )
        with _cursor() as cursor:
            cursor.execute(sql, [*params, project_id, *[stamp] * len(stamps)])
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def _update(table, columns, project_id, rows: dict[str, Row], now, returning=()) -> list[tuple]:
    """Merge the sent values into existing rows; returns the RETURNING tuples."""
    quote = connection.ops.quote_name
    sent = {name for row in rows.values() for name in row.sent()}
    if sent & DERIVED_BITS.keys() and any(column.name == DERIVED_COLUMN for column in columns):
        sent.add(DERIVED_COLUMN)
    used = [column for column in columns if column.name in sent]
    if not used:
        return []
    assignments = ", ".join(
        [f"{quote(c.name)} = {_merge_expression(c, sent)}" for c in used]
        + [f"{quote('updated_at')} = {_placeholder()}"]
    )
    returned = []
    for chunk in _chunks(sorted(rows.items()), len(used) + 1):
        records = [_record(object_id, row, used) for object_id, row in chunk]
        cte, params = _cte(used, records)
        sql = (
            f"{cte}UPDATE {quote(table)} AS t SET {assignments} FROM v "
            f"WHERE t.{quote('project_id')} = {_placeholder()} AND t.{quote('id')} = v.v_id"
        )
        if returning:
            sql += " RETURNING " + ", ".join(quote(name) for name in returning)
        with _cursor() as cursor:
            cursor.execute(sql, [*params, connection.ops.adapt_datetimefield_value(now), project_id])
            if returning:
                returned += cursor.fetchall()
    return returned


def _record(object_id: str, row: Row, columns: list[Column]) -> list:
    """An update's v record: the values sent, and the row's derived bits for DERIVED_COLUMN."""
    sent = row.sent()
    return [
        object_id,
        *[row.derived_mask() if c.name == DERIVED_COLUMN else _adapt(c, sent.get(c.name)) for c in columns],
    ]


def _upsert(model, columns, project_id, rows: dict[str, Row], now, returning=()) -> list[tuple]:
    if not rows:
        return []
    table = model._meta.db_table
    inserted = _insert(table, columns, project_id, rows, now)
    existing = {
        object_id: row for object_id, row in rows.items() if object_id not in inserted and (row.values or row.derived)
    }
    return _update(table, columns, project_id, existing, now, returning) if existing else []


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
        _update(Observation._meta.db_table, columns, project_id, rows, now)


def write(*, project_id, traces: RowSet, observations: RowSet, also: Callable[[], object] | None = None):
    """Upsert one request's rows in one transaction, `also` (e.g. score handlers) inside it; returns its result.

    Once the transaction is over, the trace write handlers (observability.extensions) hear which ids it wrote.

    Transient failures (deadlocks between requests touching the same traces) retry the transaction.

    Mapping and pricing happen before the transaction opens, so SQLite's write lock is held only
    for the statements themselves.
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
    result = None
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                _upsert(Trace, TRACE_UPSERT_COLUMNS, project_id, traces, now)
                returned = _upsert(
                    Observation, OBSERVATION_UPSERT_COLUMNS, project_id, observations, now, COST_RETURNING
                )
                returned = [item for item in returned if item[0] in needs_price]
                if returned:
                    _reprice(project_id, returned, now)
                if sessions:
                    _insert(
                        Session._meta.db_table,
                        SESSION_UPSERT_COLUMNS,
                        project_id,
                        sessions,
                        now,
                        stamps=("created_at",),
                    )
                result = also() if also is not None else None
            break
        except OperationalError as error:
            if attempt + 1 == WRITE_ATTEMPTS or not is_transient(error):
                raise
    trace_writes_notify(project_id=project_id, trace_ids=list(traces), observation_ids=list(observations))
    return result


def is_transient(error: OperationalError) -> bool:
    """A deadlock, serialization failure or busy SQLite database: the same transaction may succeed again."""
    return getattr(error.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES or "database is locked" in str(error)
