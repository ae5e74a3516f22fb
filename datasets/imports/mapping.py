"""Which columns of a row make an item: its input, expected output, metadata and (optionally) its id.

One column gives its value; several give an object of them by column name. Metadata is always an object of
its columns. CSV cells are text; the columns named in `json_columns` are parsed as JSON (so a file written by
export_dataset --format csv imports back as it was). A JSON lines row takes its values as they are.
"""

from dataclasses import dataclass, field

import orjson

from datasets.imports.readers import RowError

DEFAULT_INPUT = ("input",)
DEFAULT_EXPECTED_OUTPUT = ("expected_output",)


def column_list(value: str | None) -> tuple[str, ...]:
    """`a,b` as ("a", "b")."""
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


@dataclass(frozen=True)
class ColumnMapping:
    input: tuple[str, ...] = DEFAULT_INPUT
    expected_output: tuple[str, ...] = DEFAULT_EXPECTED_OUTPUT
    metadata: tuple[str, ...] = ()
    id: str | None = None
    json_columns: frozenset[str] = field(default_factory=frozenset)

    def columns(self) -> set[str]:
        return {*self.input, *self.expected_output, *self.metadata, *([self.id] if self.id else [])}

    def check_header(self, header: list[str]) -> None:
        """Refuse a mapping naming columns the CSV header does not have (ValueError naming them)."""
        missing = sorted((self.columns() | self.json_columns) - set(header))
        if missing:
            names = ", ".join(map(repr, missing))
            raise ValueError(f"the file has no column {names}; its columns: {', '.join(header)}")

    def item_fields(self, line: int, row: dict, *, csv: bool) -> dict | RowError:
        """The item fields of a row, or the RowError naming the column that failed."""
        values = {}
        for name in self.columns():
            if name not in row:
                if csv or name in (self.id, *self.input):
                    return RowError(line, name, "is missing")
                continue
            value = row[name]
            if csv and name in self.json_columns:
                if value == "":
                    value = None
                else:
                    try:
                        value = orjson.loads(value)
                    except orjson.JSONDecodeError as error:
                        return RowError(line, name, f"not JSON: {error}")
            values[name] = value
        fields = {
            "input": self._pick(values, self.input),
            "expected_output": self._pick(values, self.expected_output),
            "metadata": {name: values[name] for name in self.metadata if name in values} or None,
        }
        if self.id:
            item_id = values[self.id]
            if not isinstance(item_id, str) or not item_id.strip():
                return RowError(line, self.id, "the item id must be a non-empty string")
            fields["item_id"] = item_id
        return fields

    @staticmethod
    def _pick(values: dict, names: tuple[str, ...]):
        if not names:
            return None
        if len(names) == 1:
            return values.get(names[0])
        return {name: values.get(name) for name in names}
