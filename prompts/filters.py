"""The prompt list's `filter` parameter (Langfuse SDK 5.x): JSON conditions on prompt versions, ANDed.

Each condition is {"type", "column", "operator", "value"} (plus "key" for config). String search
operators take SQL LIKE patterns, case-insensitively: `%` any run, `_` one character, `\\` escapes.
"""

import re
from collections.abc import Callable
from datetime import UTC

import orjson
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from prompts.models import LATEST_LABEL, PromptLabel, PromptVersion


class FilterInvalid(ValueError):
    """A filter that cannot be applied; the message names the condition and the problem."""


STRING_COLUMNS = {"id": "pk", "name": "prompt__name", "type": "type"}
DATETIME_COLUMNS = {"createdAt": "created_at", "updatedAt": "updated"}
COMPARISONS = {"=": "exact", ">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}
SEARCHES = {"contains": "{}", "starts with": "^{}", "ends with": "{}$"}
COLUMNS_BY_TYPE = {
    "string": set(STRING_COLUMNS),
    "stringOptions": set(STRING_COLUMNS),
    "number": {"version"},
    "datetime": set(DATETIME_COLUMNS),
    "arrayOptions": {"labels", "tags"},
    "stringObject": {"config"},
}
OPERATORS_BY_TYPE = {
    "string": {"=", *SEARCHES, "does not contain", "is not empty"},
    "stringOptions": {"any of", "none of"},
    "number": set(COMPARISONS),
    "datetime": set(COMPARISONS) - {"="},
    "arrayOptions": {"any of", "all of", "none of"},
    "stringObject": {"=", *SEARCHES, "does not contain", "is set", "is not set"},
}

Tagged = Callable[[str], Q]


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


def _string_condition(field: str, operator: str, value: str) -> Q:
    if operator == "=":
        return Q(**{field: value})
    if operator == "is not empty":
        return Q(**{f"{field}__isnull": False}) & ~Q(**{field: ""})
    if operator == "does not contain":
        return ~Q(**{f"{field}__iregex": like_regex(value)}) | Q(**{f"{field}__isnull": True})
    return Q(**{f"{field}__iregex": SEARCHES[operator].format(like_regex(value))})


def _has_label(name: str) -> Q:
    if name == LATEST_LABEL:
        newest = PromptVersion.objects.filter(prompt_id=OuterRef("prompt_id")).order_by("-version").values("version")
        return Q(version=Subquery(newest[:1]))
    return Q(Exists(PromptLabel.objects.filter(version=OuterRef("pk"), name=name)))


def _array_condition(has: Callable[[str], Q], operator: str, values: list[str]) -> Q:
    each = [has(value) for value in values]
    if operator == "all of":
        combined = Q()
        for condition in each:
            combined &= condition
        return combined
    anyone = Q()
    for condition in each:
        anyone |= condition
    return anyone if operator == "any of" else ~anyone


class _Condition:
    """One validated condition, numbered from 1 in error messages."""

    def __init__(self, raw, index: int):
        where = f"condition {index}"
        if not isinstance(raw, dict):
            raise FilterInvalid(f"{where} must be an object with type, column, operator and value")
        missing = [field for field in ("type", "column", "operator") if not isinstance(raw.get(field), str)]
        if missing:
            raise FilterInvalid(f"{where} needs {', '.join(missing)} (strings)")
        self.type, self.column, self.operator = raw["type"], raw["column"], raw["operator"]
        self.value, self.key, self.where = raw.get("value"), raw.get("key"), where
        self.alias = f"filter_config_{index}"
        if self.type not in COLUMNS_BY_TYPE:
            raise FilterInvalid(f"{where}: unknown type {self.type!r}; one of {', '.join(COLUMNS_BY_TYPE)}")
        if self.column not in COLUMNS_BY_TYPE[self.type]:
            allowed = ", ".join(sorted(COLUMNS_BY_TYPE[self.type]))
            raise FilterInvalid(f"{where}: column {self.column!r} is not a {self.type} column; one of {allowed}")
        if self.operator not in OPERATORS_BY_TYPE[self.type]:
            allowed = ", ".join(sorted(OPERATORS_BY_TYPE[self.type]))
            raise FilterInvalid(f"{where}: operator {self.operator!r} does not apply to {self.type}; one of {allowed}")
        self.parsed = self._parsed_value()

    def _fail(self, problem: str) -> FilterInvalid:
        return FilterInvalid(f"{self.where} ({self.column} {self.operator}): {problem}")

    def _string_value(self) -> str:
        if self.operator in ("is not empty", "is set", "is not set"):
            return ""
        if not isinstance(self.value, str):
            raise self._fail("value must be a string")
        return self.value

    def _string_list(self) -> list[str]:
        value = self.value
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            raise self._fail("value must be a non-empty array of strings")
        return value

    def _parsed_value(self):
        if self.type in ("stringOptions", "arrayOptions"):
            return self._string_list()
        if self.type == "number":
            if not isinstance(self.value, int | float) or isinstance(self.value, bool):
                raise self._fail("value must be a number")
            return self.value
        if self.type == "datetime":
            at = parse_datetime(self.value) if isinstance(self.value, str) else None
            if at is None:
                raise self._fail(f"value must be an ISO 8601 timestamp, got {self.value!r}")
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        if self.type == "stringObject" and (not isinstance(self.key, str) or not self.key):
            raise self._fail("config conditions need a non-empty key")
        return self._string_value()

    def q(self, tagged: Tagged) -> Q:
        value = self.parsed
        if self.type == "string":
            return _string_condition(STRING_COLUMNS[self.column], self.operator, value)
        if self.type == "stringOptions":
            matches = Q(**{f"{STRING_COLUMNS[self.column]}__in": value})
            return matches if self.operator == "any of" else ~matches
        if self.type == "number":
            return Q(**{f"version__{COMPARISONS[self.operator]}": value})
        if self.type == "datetime":
            return Q(**{f"{DATETIME_COLUMNS[self.column]}__{COMPARISONS[self.operator]}": value})
        if self.type == "arrayOptions":
            return _array_condition(_has_label if self.column == "labels" else tagged, self.operator, value)
        has_key = Q(config__has_key=self.key)
        if self.operator == "is not set":
            return ~has_key
        if self.operator == "is set" or (value == "" and self.operator != "="):
            return has_key
        return has_key & _string_condition(self.alias, self.operator, value)

    def annotation(self) -> dict:
        if self.type == "stringObject" and self.operator not in ("is set", "is not set"):
            return {self.alias: Cast(KeyTextTransform(self.key, "config"), TextField())}
        return {}


def parse_filter(raw: str) -> list[_Condition]:
    """The validated conditions of a `filter` query parameter."""
    try:
        conditions = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise FilterInvalid(f"must be a JSON array of conditions: {error}") from None
    if not isinstance(conditions, list):
        raise FilterInvalid("must be a JSON array of conditions")
    return [_Condition(condition, index) for index, condition in enumerate(conditions, 1)]


def versions_filtered(versions: QuerySet[PromptVersion], conditions: list[_Condition], tagged: Tagged) -> QuerySet:
    """`versions` narrowed to those matching every condition."""
    for condition in conditions:
        versions = versions.alias(**condition.annotation())
        versions = versions.filter(condition.q(tagged))
    return versions
