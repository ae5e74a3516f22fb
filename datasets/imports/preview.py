"""The first rows of a file as the import would read them: raw cells, the item fields the mapping makes, and
the error a row would be refused with (mapping, limits, the dataset's schemas). Nothing is written."""

from dataclasses import dataclass, replace
from itertools import islice

from aistrale.errors import DomainError
from datasets.imports.mapping import DEFAULT_EXPECTED_OUTPUT, ColumnMapping
from datasets.imports.readers import RowError, read_rows, text_stream
from datasets.models import Dataset
from datasets.services import item_build

PREVIEW_ROWS = 10


@dataclass
class PreviewRow:
    line: int
    raw: dict | None
    fields: dict | None
    error: RowError | None


@dataclass
class Preview:
    header: list[str] | None
    mapping: ColumnMapping
    rows: list[PreviewRow]


def mapping_for_header(mapping: ColumnMapping, header: list[str] | None, *, expected_output_given: bool):
    """The mapping, without the default expected output column when a CSV header lacks it; ValueError when the
    mapping names columns the header does not have."""
    if header is None:
        return mapping
    if not expected_output_given and DEFAULT_EXPECTED_OUTPUT[0] not in header:
        mapping = replace(mapping, expected_output=())
    mapping.check_header(header)
    return mapping


def import_preview(
    binary, *, dataset: Dataset, format: str, mapping: ColumnMapping, expected_output_given: bool, count=PREVIEW_ROWS
) -> Preview:
    """The first `count` rows of the file; FileError or ValueError (the mapping) when it cannot be read."""
    header, rows = read_rows(text_stream(binary), format=format)
    mapping = mapping_for_header(mapping, header, expected_output_given=expected_output_given)
    shown = []
    for row in islice(rows, count):
        if isinstance(row, RowError):
            shown.append(PreviewRow(line=row.line, raw=None, fields=None, error=row))
            continue
        line, values = row
        fields = mapping.item_fields(line, values, csv=header is not None)
        if isinstance(fields, RowError):
            shown.append(PreviewRow(line=line, raw=values, fields=None, error=fields))
            continue
        error = None
        try:
            item_build(dataset=dataset, **fields)
        except DomainError as refused:
            error = RowError(line, refused.field, refused.message)
        shown.append(PreviewRow(line=line, raw=values, fields=fields, error=error))
    return Preview(header=header, mapping=mapping, rows=shown)
