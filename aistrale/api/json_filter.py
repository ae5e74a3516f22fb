"""The Langfuse JSON `filter` query parameter: one grammar for every list endpoint that takes it.

A filter is a JSON array of conditions, ANDed: {"type", "column", "operator", "value"} plus "key" for the
object types. Each endpoint declares a column table (wire column name -> `Column`: kind and ORM path) and
builds one `JsonFilter` from it; `JsonFilter.parse` validates the raw parameter (a DomainError naming the
condition, `filter[0].operator: ...`, worded the same on every endpoint) and `JsonFilter.apply` narrows a
queryset. A new endpoint plugs in with `SCORE_FILTER = JsonFilter(SCORE_FILTER_COLUMNS)`.

Types and operators are those the Langfuse SDK 5.x documents:

- string: =, contains, does not contain, starts with, ends with, matches, is not empty
- stringOptions, categoryOptions: any of, none of (categoryOptions on an object column takes a key)
- arrayOptions: any of, all of, none of
- number: =, >, <, >=, <=;  datetime: >, <, >=, <= (ISO 8601)
- stringObject: the string operators plus is set, is not set;  numberObject: the number operators;
  booleanObject, boolean: =, <>;  null: is null, is not null

String search follows Langfuse per endpoint, because Langfuse itself differs there:

- `Search.LITERAL` (traces, observations; Langfuse runs them on ClickHouse with position/startsWith/
  endsWith): contains, starts with and ends with are case-sensitive and take the value literally. They
  compare with STRPOS/instr and LEFT/RIGHT, not Django's `contains` (case-insensitive LIKE on SQLite),
  so both databases answer the same.
- `Search.LIKE` (the prompt list; Langfuse runs it on PostgreSQL and documents it in the SDK): the value
  is a SQL LIKE pattern matched case-insensitively: `%` any run, `_` one character, backslash escapes.

On both, `=` is case-sensitive; `matches` is a literal substring search, case-insensitive on text
columns (input, output) and case-sensitive on object values (metadata), as Langfuse documents it.
Negative operators (does not contain, none of, <>) also match rows where the column is empty (NULL).
Object conditions need the key to be present, except `is not set` and booleanObject `<>` (which,
as in Langfuse, also matches rows without the key). Datetime values (here and in the list endpoints'
datetime parameters, `datetime_param`) are refused when their offset is beyond ±15:59 (PostgreSQL's
limit) or they fall outside aistrale.limits' range once in UTC; numbers beyond what a column can hold
compare without reaching the database.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import orjson
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Left, Right, StrIndex
from django.db.models.lookups import Exact, GreaterThan
from django.utils.dateparse import parse_datetime

from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT, MAX_MONEY, text_check, timestamp_check

MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
MAX_SECONDS = MAX_COUNT / 1_000_000
QUERY_OFFSET = re.compile(r" (\d\d(:?\d\d)?)$")


class Kind(Enum):
    """What a column holds, and so which condition types apply to it."""

    STRING = ("string", "stringOptions", "categoryOptions", "null")
    TEXT = ("string", "null")
    NUMBER = ("number", "null")
    DATETIME = ("datetime", "null")
    BOOLEAN = ("boolean", "null")
    ARRAY = ("arrayOptions",)
    OBJECT = ("stringObject", "numberObject", "booleanObject", "categoryOptions", "null")


class Search(Enum):
    LITERAL = "literal"
    LIKE = "like"


STRING_OPERATORS = ("=", "contains", "does not contain", "starts with", "ends with", "matches", "is not empty")
NUMBER_OPERATORS = ("=", ">", "<", ">=", "<=")
OPERATORS = {
    "string": STRING_OPERATORS,
    "stringOptions": ("any of", "none of"),
    "categoryOptions": ("any of", "none of"),
    "arrayOptions": ("any of", "all of", "none of"),
    "number": NUMBER_OPERATORS,
    "datetime": (">", "<", ">=", "<="),
    "stringObject": (*STRING_OPERATORS, "is set", "is not set"),
    "numberObject": NUMBER_OPERATORS,
    "booleanObject": ("=", "<>"),
    "boolean": ("=", "<>"),
    "null": ("is null", "is not null"),
}
LOOKUPS = {"=": "exact", ">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}
VALUELESS = ("is not empty", "is set", "is not set", "is null", "is not null")
LIKE_SEARCHES = {"contains": "{}", "starts with": "^{}", "ends with": "{}$"}


class JsonListContains(Func):
    """True where a JSON array column holds `value`: jsonb @> on PostgreSQL, json_each on SQLite."""

    output_field = BooleanField()

    def __init__(self, column: str, value: str):
        super().__init__(F(column))
        self.value = value

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.source_expressions[0])
        return f"({column_sql} @> %s::jsonb)", (*params, json.dumps([self.value]))

    def as_sqlite(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.source_expressions[0])
        return f"EXISTS (SELECT 1 FROM json_each({column_sql}) WHERE json_each.value = %s)", (*params, self.value)


@dataclass(frozen=True)
class Column:
    """One filterable column of an endpoint.

    `path` is the ORM path (or an alias `prepare` adds); `bound` the magnitude a number column cannot
    reach; `seconds` makes a number a duration; `has` gives "the row holds this element" for an array
    that is not a JSON list; `through` evaluates the condition on related rows (a trace's, for an
    observation) and returns the condition on this endpoint's rows.
    """

    kind: Kind
    path: str
    prepare: Callable[[QuerySet], QuerySet] | None = None
    bound: float | None = None
    seconds: bool = False
    has: Callable[[str], Q] | None = None
    through: Callable[[Callable[[QuerySet], QuerySet]], Q] | None = None


def money_column(path: str, **options) -> Column:
    return Column(Kind.NUMBER, path, bound=float(MAX_MONEY), **options)


def seconds_column(path: str, **options) -> Column:
    return Column(Kind.NUMBER, path, bound=MAX_SECONDS, seconds=True, **options)


def like_regex(pattern: str) -> str:
    """A regular expression matching what the SQL LIKE pattern matches (backslash escapes)."""
    parts = []
    characters = iter(pattern)
    for character in characters:
        if character == "\\":
            parts.append(re.escape(next(characters, "\\")))
        elif character == "%":
            parts.append(r"[\s\S]*")
        elif character == "_":
            parts.append(r"[\s\S]")
        else:
            parts.append(re.escape(character))
    return "".join(parts)


def _parsed_datetime(raw: str) -> datetime | None:
    try:
        return parse_datetime(raw)
    except ValueError:
        return None


def _datetime_checked(value: datetime | None, raw: str, field: str) -> datetime:
    if value is None:
        raise DomainError(f"must be an ISO 8601 datetime, e.g. 2024-01-31T12:00:00.000Z, got {raw!r}", field=field)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DomainError(f"has a time zone offset beyond ±15:59, got {raw!r}", field=field)
    return timestamp_check(value, field=field)


def datetime_value(raw: str, *, field: str) -> datetime:
    """An ISO 8601 datetime in UTC; a DomainError naming `field` if it does not parse or fit."""
    return _datetime_checked(_parsed_datetime(raw), raw, field)


def datetime_param(raw: str, *, field: str) -> datetime:
    """`datetime_value` of a query parameter, where an unencoded `+` of the offset may arrive as a space."""
    value = _parsed_datetime(raw)
    if value is None:
        value = _parsed_datetime(QUERY_OFFSET.sub(r"+\1", raw))
    return _datetime_checked(value, raw, field)


def _any(conditions: list[Q]) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _all(conditions: list[Q]) -> Q:
    combined = Q()
    for condition in conditions:
        combined &= condition
    return combined


class Condition:
    """One validated condition; `index` is its position in the array, as errors name it."""

    def __init__(self, raw, index: int, columns: dict[str, Column], search: Search):
        self.where = f"filter[{index}]"
        self.alias = f"json_filter_{index}"
        self.search = search
        if not isinstance(raw, dict):
            raise DomainError("must be an object with type, column, operator and value", field=self.where)
        missing = [part for part in ("type", "column", "operator") if not isinstance(raw.get(part), str)]
        if missing:
            raise DomainError(f"needs {', '.join(missing)} (strings)", field=self.where)
        self.type, self.name, self.operator = raw["type"], raw["column"], raw["operator"]
        if self.name not in columns:
            raise self._fail("column", f"{self.name!r} cannot be filtered on here; use one of {', '.join(columns)}")
        self.column = columns[self.name]
        if self.type not in self.column.kind.value:
            allowed = ", ".join(self.column.kind.value)
            raise self._fail("type", f"{self.type!r} does not apply to column {self.name}; use {allowed}")
        if self.operator not in OPERATORS[self.type]:
            allowed = ", ".join(OPERATORS[self.type])
            raise self._fail("operator", f"{self.operator!r} does not apply to {self.type} conditions; use {allowed}")
        self.key = self._key(raw.get("key"))
        self.value = self._value(raw.get("value"))

    def _fail(self, part: str, problem: str) -> DomainError:
        return DomainError(problem, field=f"{self.where}.{part}")

    def _text(self, value, part: str) -> str:
        return text_check(value, field=f"{self.where}.{part}")

    def _key(self, key) -> str | None:
        if self.column.kind is not Kind.OBJECT or self.type == "null":
            return None
        if not isinstance(key, str) or not key:
            raise self._fail("key", f"names the key of {self.name} to compare and is required")
        return self._text(key, "key")

    def _value(self, value):
        if self.operator in VALUELESS:
            return None
        if self.type in ("stringOptions", "categoryOptions", "arrayOptions"):
            if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
                raise self._fail("value", "must be a non-empty array of strings")
            return [self._text(item, "value") for item in value]
        if self.type in ("number", "numberObject"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._fail("value", f"must be a number, got {value!r}")
            return float(value) if abs(value) > MAX_COUNT else value
        if self.type in ("boolean", "booleanObject"):
            if not isinstance(value, bool):
                raise self._fail("value", f"must be true or false, got {value!r}")
            return value
        if not isinstance(value, str):
            raise self._fail("value", f"must be a string, got {value!r}")
        if self.type == "datetime":
            return datetime_value(value, field=f"{self.where}.value")
        return self._text(value, "value")

    def narrow(self, rows: QuerySet) -> QuerySet:
        """`rows` that meet this condition."""
        column = self.column
        if self.type == "null":
            return rows.filter(**{f"{column.path}__isnull": self.operator == "is null"})
        if column.kind is Kind.OBJECT:
            return self._narrow_object(rows)
        if column.kind is Kind.TEXT:
            text = rows.alias(**{self.alias: Cast(column.path, TextField())})
            if self.operator == "=":
                return rows.filter(**{column.path: self.value})
            return text.filter(self._string(self.alias, insensitive_match=True))
        if self.type in ("string", "stringOptions", "categoryOptions"):
            return rows.filter(self._string(column.path))
        if self.type == "arrayOptions":
            return rows.filter(self._array())
        if self.type == "boolean":
            matches = Q(**{column.path: self.value})
            return rows.filter(matches if self.operator == "=" else ~matches)
        if self.type == "number":
            return rows.filter(self._number(column.path))
        return rows.filter(**{f"{column.path}__{LOOKUPS[self.operator]}": self.value})

    def _string(self, path: str, *, insensitive_match: bool = False) -> Q:
        operator, value = self.operator, self.value
        if operator in ("any of", "none of"):
            matches = Q(**{f"{path}__in": value})
            return matches if operator == "any of" else ~matches | Q(**{f"{path}__isnull": True})
        if operator == "=":
            return Q(**{path: value})
        if operator == "is not empty":
            return Q(**{f"{path}__isnull": False}) & ~Q(**{path: ""})
        if operator == "matches":
            if insensitive_match:
                return Q(**{f"{path}__iregex": re.escape(value)})
            return Q(GreaterThan(StrIndex(path, Value(value)), 0))
        search = self._search(path, "contains" if operator == "does not contain" else operator, value)
        return ~search | Q(**{f"{path}__isnull": True}) if operator == "does not contain" else search

    def _search(self, path: str, operator: str, value: str) -> Q:
        if self.search is Search.LIKE:
            return Q(**{f"{path}__iregex": LIKE_SEARCHES[operator].format(like_regex(value))})
        if operator == "contains":
            return Q(GreaterThan(StrIndex(path, Value(value)), 0))
        end = Left if operator == "starts with" else Right
        return Q(Exact(end(path, len(value)), Value(value)))

    def _array(self) -> Q:
        has = self.column.has or (lambda element: Q(JsonListContains(self.column.path, element)))
        each = [has(element) for element in self.value]
        if self.operator == "all of":
            return _all(each)
        return _any(each) if self.operator == "any of" else ~_any(each)

    def _number(self, path: str) -> Q:
        value, bound = self.value, self.column.bound
        if bound is not None and abs(value) >= bound:
            everything = (self.operator in ("<", "<=")) == (value > 0)
            return Q(**{f"{path}__isnull": False}) if everything else Q(pk__in=[])
        if self.column.seconds:
            value = timedelta(seconds=value)
        return Q(**{f"{path}__{LOOKUPS[self.operator]}": value})

    def _narrow_object(self, rows: QuerySet) -> QuerySet:
        path, key, operator = self.column.path, self.key, self.operator
        present = Q(**{f"{path}__has_key": key})
        if operator == "is not set":
            return rows.filter(~present)
        if operator == "is set":
            return rows.filter(present)
        if self.type in ("numberObject", "booleanObject"):
            rows = rows.alias(**{self.alias: KeyTransform(key, path)})
            if self.type == "numberObject":
                return rows.filter(present, **{f"{self.alias}__{LOOKUPS[operator]}": self.value})
            matches = Q(**{self.alias: self.value})
            return rows.filter(present & matches if operator == "=" else ~(present & matches))
        rows = rows.alias(**{self.alias: Cast(KeyTextTransform(key, path), TextField())})
        return rows.filter(present & self._string(self.alias))


class JsonFilter:
    """The `filter` grammar bound to one endpoint's column table."""

    def __init__(self, columns: dict[str, Column], *, search: Search = Search.LITERAL):
        self.columns = columns
        self.search = search

    def parse(self, raw: str) -> list[Condition]:
        """The validated conditions of the raw parameter; a DomainError naming the first bad one."""
        try:
            conditions = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise DomainError(f"must be a JSON array of conditions: {error}", field="filter") from None
        if not isinstance(conditions, list):
            raise DomainError("must be a JSON array of conditions", field="filter")
        return [Condition(item, index, self.columns, self.search) for index, item in enumerate(conditions)]

    def apply(self, queryset: QuerySet, conditions: list[Condition]) -> QuerySet:
        """`queryset` narrowed to the rows meeting every condition."""
        prepared = set()
        for condition in conditions:
            column = condition.column

            def narrow(rows: QuerySet, condition=condition, column=column) -> QuerySet:
                return condition.narrow(column.prepare(rows) if column.prepare else rows)

            if column.through is not None:
                queryset = queryset.filter(column.through(narrow))
            elif column.prepare is None or column.prepare in prepared:
                queryset = condition.narrow(queryset)
            else:
                prepared.add(column.prepare)
                queryset = narrow(queryset)
        return queryset

    def filtered(self, queryset: QuerySet, raw: str) -> QuerySet:
        """`queryset` narrowed by the raw `filter` parameter."""
        return self.apply(queryset, self.parse(raw))
