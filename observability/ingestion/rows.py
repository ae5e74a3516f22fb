"""One request's rows merged by id in Python, before any SQL: the merge rules of repeated ids.

A value sent again replaces the earlier one, metadata merges by top-level key, tags add up; fallbacks
(insert-only values) keep the earliest time; a trace value derived from a span (`Row.derived`, see
`DerivedField`) is kept only where no explicit value is sent.
"""

from dataclasses import dataclass, field

from observability.models.traces import DerivedField

JSON_MERGED = frozenset({"metadata"})
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
