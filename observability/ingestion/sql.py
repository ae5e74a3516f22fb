"""The upsert statements of the ingestion writer, per backend.

Per table: one INSERT ... ON CONFLICT DO NOTHING for the new ids, and for ids that already existed one
UPDATE ... FROM v whose COALESCE keeps every stored value the request did not send. A trace value
derived from a span fills a column only while no explicit value is stored there (the DerivedField
bits). Updates thus merge in any arrival order, and concurrent requests for the same id serialise on
the row lock instead of overwriting each other.

The rows reach PostgreSQL as one JSON document (jsonb_to_recordset): one orjson call serialises a
request's rows, JSON columns included, so no value is adapted one by one and the statement text does
not grow with the rows. SQLite binds each value of a VALUES list.
"""

from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db import connection

from observability.ingestion.rows import DERIVED_BITS, DERIVED_COLUMN, JSON_MERGED, Row
from observability.ingestion.values import JSON_NUL, dumps
from observability.models import Observation, Session, Trace

MAX_PARAMETERS = 30_000
REQUIRED_TIMES = frozenset({"timestamp", "start_time"})


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
    """On PostgreSQL a server-binding cursor: the JSON document travels as it is, unquoted and unescaped."""
    if not _is_postgres():
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    # Django has no public way to wrap a cursor of another class: connection.cursor() always makes the
    # backend's own. The documented alternative, OPTIONS["server_side_binding"], would switch every query
    # of the application to server-side binding; only these statements need it.
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _sqlite_datetime(zone):
    """Django's SQLite text of a datetime (naive, in the connection's time zone), without its per-value lookups."""

    def convert(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)

    return convert


def _adapter(columns: list[Column]):
    """How a record's values are bound: on SQLite converted per column kind (text arrives checked: the
    mappers refuse NUL characters), on PostgreSQL not at all (`_document` serialises them)."""
    if _is_postgres():
        return None
    converters = {"json": dumps, "datetime": _sqlite_datetime(connection.timezone), "decimal": str}
    converted = [(index, converters[c.kind]) for index, c in enumerate(columns) if c.kind in converters]

    def adapt(values) -> list:
        values = list(values)
        for index, convert in converted:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return values

    return adapt


def _document(names: list[str], records: list[list]) -> str:
    """The records as one JSON array of objects; NUL characters, which jsonb cannot hold, dropped."""
    text = orjson.dumps(
        [dict(zip(names, record, strict=True)) for record in records], default=str, option=orjson.OPT_NON_STR_KEYS
    ).decode()
    return JSON_NUL.sub(r"\1", text) if "\\u0000" in text else text


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

    PostgreSQL: jsonb_to_recordset() of one document, parsed once. SQLite: a VALUES list.
    """
    if _is_postgres():
        names = ["v_id", *[f"v_{c.name}" for c in columns]]
        kinds = ["text", *[PG_TYPES.get(c.kind, "text") for c in columns]]
        types = ", ".join(f"{name} {kind}" for name, kind in zip(names, kinds, strict=True))
        return f"SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r({types})", [_document(names, records)]
    placeholders = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    return f"VALUES {', '.join([placeholders] * len(records))}", [value for record in records for value in record]


def _cte(columns: list[Column], records: list[list]) -> tuple[str, list]:
    names = ", ".join(["v_id", *[f"v_{c.name}" for c in columns]])
    body, params = _source(columns, records)
    return f"WITH v ({names}) AS ({body}) ", params


def insert_statements(
    table: str, columns: list[Column], project_id, rows: dict[str, Row], now, stamps=("created_at", "updated_at")
) -> list[tuple[str, list]]:
    """The INSERT statements (with their parameters) of the rows whose id is new; `run_inserts` runs them."""
    quote = connection.ops.quote_name
    names = ["project_id", "id", *[c.name for c in columns], *stamps]
    mark = _placeholder()
    selected = ", ".join([mark, "v.v_id", *[f"v.v_{c.name}" for c in columns], *[mark] * len(stamps)])
    stamp = connection.ops.adapt_datetimefield_value(now)
    adapt = _adapter(columns)
    defaults = {c.name: now if c.default is None and c.name in REQUIRED_TIMES else c.default for c in columns}
    tracks_derived = DERIVED_COLUMN in defaults
    statements = []
    for chunk in _chunks(sorted(rows.items()), len(columns) + 1):
        records = []
        for object_id, row in chunk:
            source = {**defaults, **row.fallback, **row.sent()}
            if tracks_derived:
                source[DERIVED_COLUMN] = row.derived_mask()
            values = map(source.get, defaults)
            records.append([object_id, *(values if adapt is None else adapt(values))])
        cte, params = _cte(columns, records)
        sql = (
            f"{cte}INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "
            f"SELECT {selected} FROM v WHERE true "
            f"ON CONFLICT ({quote('project_id')}, {quote('id')}) DO NOTHING RETURNING {quote('id')}"
        )
        statements.append((sql, [*params, project_id, *[stamp] * len(stamps)]))
    return statements


def run_inserts(statements: list[tuple[str, list]]) -> set[str]:
    """Run `insert_statements`; the ids inserted."""
    inserted: set[str] = set()
    for sql, params in statements:
        with _cursor() as cursor:
            cursor.execute(sql, params)
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def update(table, columns, project_id, rows: dict[str, Row], now, returning=()) -> list[tuple]:
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
        adapt = _adapter(used)
        records = [_record(object_id, row, used, adapt) for object_id, row in chunk]
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


def _record(object_id: str, row: Row, columns: list[Column], adapt) -> list:
    """An update's v record: the values sent, and the row's derived bits for DERIVED_COLUMN."""
    sent = row.sent()
    values = [row.derived_mask() if c.name == DERIVED_COLUMN else sent.get(c.name) for c in columns]
    return [object_id, *(values if adapt is None else adapt(values))]


@dataclass(frozen=True)
class Upsert:
    """One table's upsert of a request's rows, its INSERT statements built before the transaction opens
    (SQLite holds its write lock for the statements only)."""

    table: str
    columns: list[Column]
    project_id: object
    rows: dict[str, Row]
    now: object
    inserts: list[tuple[str, list]]

    def run(self, returning=()) -> list[tuple]:
        """Insert the new ids, merge into the existing ones; the RETURNING tuples of the merged rows."""
        inserted = run_inserts(self.inserts)
        existing = {
            object_id: row
            for object_id, row in self.rows.items()
            if object_id not in inserted and (row.values or row.derived)
        }
        return update(self.table, self.columns, self.project_id, existing, self.now, returning) if existing else []


def upsert_prepare(model, columns, project_id, rows: dict[str, Row], now) -> Upsert:
    table = model._meta.db_table
    return Upsert(table, columns, project_id, rows, now, insert_statements(table, columns, project_id, rows, now))
