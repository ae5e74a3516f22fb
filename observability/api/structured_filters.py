"""Langfuse's structured `filter` parameter: a JSON list of {type, column, operator, value, key} conditions.

Columns are checked against what each endpoint supports; an unknown column, an operator that does not
fit the column, or a value of the wrong type is a 400 naming the condition (`filter[1].operator: ...`).
"""

import operator as op
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

import orjson
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from observability import selectors
from observability.models import Trace

COMPARISONS = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}
STRING_LOOKUPS = {"=": "exact", "contains": "contains", "starts with": "startswith", "ends with": "endswith"}


@dataclass(frozen=True)
class Column:
    kind: str  # string, datetime, number, seconds, array, boolean, object
    field: str
    on_trace: bool = False  # an observation column read from its trace


def _string(field, operator, value):
    if operator in STRING_LOOKUPS:
        return Q(**{f"{field}__{STRING_LOOKUPS[operator]}": _text(value)})
    if operator == "does not contain":
        return ~Q(**{f"{field}__contains": _text(value)})
    if operator in ("any of", "none of"):
        condition = Q(**{f"{field}__in": _texts(value)})
        return condition if operator == "any of" else ~condition
    raise _Bad("operator", f"{operator!r} does not apply to a string column")


def _array(field, operator, value):
    values = _texts(value)
    if not values:
        raise _Bad("value", "must list at least one value")
    conditions = [Q(selectors.JsonListContains(field, item)) for item in values]
    if operator == "all of":
        return reduce(op.and_, conditions)
    if operator == "any of":
        return reduce(op.or_, conditions)
    if operator == "none of":
        return ~reduce(op.or_, conditions)
    raise _Bad("operator", f"{operator!r} does not apply to an array column: use any of, all of, none of")


def _compare(field, operator, value):
    if operator == "=":
        return Q(**{field: value})
    if operator not in COMPARISONS:
        raise _Bad("operator", f"{operator!r} does not apply: use one of =, >, <, >=, <=")
    return Q(**{f"{field}__{COMPARISONS[operator]}": value})


def _datetime(field, operator, value):
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise _Bad("value", "must be an ISO 8601 datetime")
    if operator not in COMPARISONS:
        raise _Bad("operator", f"{operator!r} does not apply to a datetime: use >, <, >=, <=")
    return _compare(field, operator, moment)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("value", "must be a number")
    return value


def _boolean(field, operator, value):
    if not isinstance(value, bool):
        raise _Bad("value", "must be true or false")
    if operator not in ("=", "<>"):
        raise _Bad("operator", f"{operator!r} does not apply to a boolean: use = or <>")
    return Q(**{field: value}) if operator == "=" else ~Q(**{field: value})


def _text(value) -> str:
    if not isinstance(value, str):
        raise _Bad("value", "must be a string")
    return value


def _texts(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Bad("value", "must be a list of strings")
    return value


class _Bad(Exception):
    def __init__(self, part: str, message: str):
        super().__init__(message)
        self.part = part
        self.message = message


TRACE_COLUMNS = {
    "id": Column("string", "id"),
    "name": Column("string", "name"),
    "timestamp": Column("datetime", "timestamp"),
    "userId": Column("string", "user_id"),
    "sessionId": Column("string", "session_id"),
    "environment": Column("string", "environment"),
    "version": Column("string", "version"),
    "release": Column("string", "release"),
    "tags": Column("array", "tags"),
    "bookmarked": Column("boolean", "bookmarked"),
    "public": Column("boolean", "public"),
    "metadata": Column("object", "metadata"),
    "latency": Column("seconds", "latency"),
    "inputTokens": Column("number", "input_tokens"),
    "outputTokens": Column("number", "output_tokens"),
    "totalTokens": Column("number", "total_tokens"),
    "tokens": Column("number", "total_tokens"),
    "totalCost": Column("number", "total_cost"),
    "errorCount": Column("number", "error_count"),
}
TRACE_METRICS = {"latency", "inputTokens", "outputTokens", "totalTokens", "tokens", "totalCost", "errorCount"}

OBSERVATION_COLUMNS = {
    "id": Column("string", "id"),
    "type": Column("string", "type"),
    "name": Column("string", "name"),
    "traceId": Column("string", "trace_id"),
    "startTime": Column("datetime", "start_time"),
    "endTime": Column("datetime", "end_time"),
    "environment": Column("string", "environment"),
    "level": Column("string", "level"),
    "statusMessage": Column("string", "status_message"),
    "version": Column("string", "version"),
    "model": Column("string", "model"),
    "providedModelName": Column("string", "model"),
    "promptName": Column("string", "prompt_name"),
    "promptVersion": Column("number", "prompt_version"),
    "inputTokens": Column("number", "input_tokens"),
    "outputTokens": Column("number", "output_tokens"),
    "totalTokens": Column("number", "total_tokens"),
    "tokens": Column("number", "total_tokens"),
    "totalCost": Column("number", "total_cost"),
    "latency": Column("seconds", "obs_latency"),
    "timeToFirstToken": Column("seconds", "obs_ttft"),
    "metadata": Column("object", "metadata"),
    "isRootObservation": Column("boolean", "parent_observation_id__isnull"),
    "userId": Column("string", "user_id", on_trace=True),
    "sessionId": Column("string", "session_id", on_trace=True),
    "traceName": Column("string", "name", on_trace=True),
    "traceEnvironment": Column("string", "environment", on_trace=True),
    "traceTags": Column("array", "tags", on_trace=True),
    "tags": Column("array", "tags", on_trace=True),
}


def _condition(queryset: QuerySet, column: Column, item: dict, index: int) -> tuple[QuerySet, Q]:
    operator, value = item.get("operator"), item.get("value")
    if item.get("type") == "null" or operator in ("is null", "is not null"):
        if operator not in ("is null", "is not null"):
            raise _Bad("operator", "use 'is null' or 'is not null' with type null")
        return queryset, Q(**{f"{column.field}__isnull": operator == "is null"})
    if column.kind == "string":
        return queryset, _string(column.field, operator, value)
    if column.kind == "array":
        return queryset, _array(column.field, operator, value)
    if column.kind == "datetime":
        return queryset, _datetime(column.field, operator, value)
    if column.kind == "boolean":
        return queryset, _boolean(column.field, operator, value)
    if column.kind == "number":
        return queryset, _compare(column.field, operator, _number(value))
    if column.kind == "seconds":
        return queryset, _compare(column.field, operator, timedelta(seconds=_number(value)))
    key = item.get("key")
    if not isinstance(key, str) or not key:
        raise _Bad("key", "names the metadata key to compare and is required")
    alias = f"filter_metadata_{index}"
    queryset = queryset.alias(**{alias: Cast(KeyTextTransform(key, column.field), TextField())})
    return queryset, _string(alias, operator, value)


def parse(raw: str) -> list[dict]:
    try:
        conditions = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValidationError({"filter": f"is not valid JSON: {error}"}) from error
    if not isinstance(conditions, list) or not all(isinstance(item, dict) for item in conditions):
        raise ValidationError({"filter": "must be a JSON list of condition objects"})
    return conditions


def _apply(queryset: QuerySet, raw: str, columns: dict[str, Column], on_trace=None) -> QuerySet:
    for index, item in enumerate(parse(raw)):
        name = item.get("column")
        column = columns.get(name)
        try:
            if column is None:
                raise _Bad("column", f"{name!r} is not supported; use one of {', '.join(columns)}")
            if column.on_trace:
                trace_queryset, condition = _condition(Trace.objects.all(), column, item, index)
                queryset = queryset.filter(on_trace(trace_queryset.filter(condition)))
            else:
                queryset, condition = _condition(queryset, column, item, index)
                queryset = queryset.filter(condition)
        except _Bad as bad:
            raise ValidationError({f"filter[{index}].{bad.part}": bad.message}) from bad
    return queryset


def filter_traces(queryset: QuerySet, raw: str) -> QuerySet:
    if any(item.get("column") in TRACE_METRICS for item in parse(raw)):
        queryset = selectors.traces_with_metrics(queryset)
    return _apply(queryset, raw, TRACE_COLUMNS)


def filter_observations(queryset: QuerySet, raw: str) -> QuerySet:
    queryset = queryset.alias(
        obs_latency=ExpressionWrapper(F("end_time") - F("start_time"), output_field=DurationField()),
        obs_ttft=ExpressionWrapper(F("completion_start_time") - F("start_time"), output_field=DurationField()),
    )

    def on_trace(traces: QuerySet):
        return Exists(traces.filter(project=OuterRef("project"), id=OuterRef("trace_id")))

    return _apply(queryset, raw, OBSERVATION_COLUMNS, on_trace)
