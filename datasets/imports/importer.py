"""`dataset_import`: rows into new items of a dataset, through the item services, in one transaction.

Every row is checked (mapping, limits, the dataset's schemas, ids taken or repeated) and reported by line
number. Without `skip_invalid` one bad row imports nothing: the rows are still all read, so the report lists
every bad line (up to MAX_REPORTED), and the transaction is rolled back. With it, the good rows are imported
and the bad ones reported. Items are written `batch_size` at a time (item_create_many), so memory stays
constant however long the file.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from aistrale.errors import DomainError
from datasets.imports.mapping import ColumnMapping
from datasets.imports.readers import RowError
from datasets.models import Dataset, DatasetItem
from datasets.services import item_build, item_create_many

MAX_REPORTED = 100
BATCH_SIZE = 1000


@dataclass
class ImportReport:
    imported: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, error: RowError) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error)


class ImportRefused(Exception):
    """Bad rows and no `skip_invalid`: nothing was imported."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.invalid} invalid rows; nothing was imported")
        self.report = report


def _good(dataset: Dataset, batch: list[tuple[int, DatasetItem]], report: ImportReport, *, started) -> list:
    """The batch's items whose ids (given by the file) are neither repeated nor taken; the others reported.

    An id taken by an item this import wrote (this dataset, versioned since `started`) repeats an earlier line.
    """
    lines_of: dict[str, list[int]] = {}
    for line, item in batch:
        lines_of.setdefault(item.id, []).append(line)
    taken = {
        item_id: dataset_key == dataset.key and version >= started
        for item_id, dataset_key, version in DatasetItem.objects.filter(
            project_id=dataset.project_id, id__in=lines_of
        ).values_list("id", "dataset_id", "version")
    }
    good = []
    for line, item in batch:
        if item.id in taken:
            problem = "repeats an earlier line" if taken[item.id] else "already exists in this project"
            report.add(RowError(line, "id", f"item id {item.id!r} {problem}"))
        elif lines_of[item.id][0] != line:
            report.add(RowError(line, "id", f"item id {item.id!r} repeats line {lines_of[item.id][0]}"))
        else:
            good.append(item)
    return good


def _written(dataset: Dataset, batch, report: ImportReport, *, write: bool, started, ids: bool) -> None:
    """Write the batch's good items when `write`. New ids (not `ids` from the file) need no check of their own:
    item_create_many still refuses a taken one."""
    good = _good(dataset, batch, report, started=started) if ids else [item for _, item in batch]
    if write and good:
        item_create_many(dataset=dataset, items=good)
        report.imported += len(good)


def dataset_import(
    *,
    dataset: Dataset,
    rows: Iterable[tuple[int, dict] | RowError],
    mapping: ColumnMapping,
    csv: bool,
    skip_invalid: bool = False,
    batch_size: int = BATCH_SIZE,
    advance: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Import the rows as new items; ImportRefused (nothing written) on bad rows unless `skip_invalid`."""
    report = ImportReport()
    started, ids = timezone.now(), mapping.id is not None
    with transaction.atomic():
        batch: list[tuple[int, DatasetItem]] = []
        for row in rows:
            advance()
            if isinstance(row, RowError):
                report.add(row)
                continue
            line, values = row
            fields = mapping.item_fields(line, values, csv=csv)
            if isinstance(fields, RowError):
                report.add(fields)
                continue
            try:
                batch.append((line, item_build(dataset=dataset, **fields)))
            except DomainError as error:
                report.add(RowError(line, error.field, error.message))
                continue
            if len(batch) == batch_size:
                _written(dataset, batch, report, write=skip_invalid or not report.invalid, started=started, ids=ids)
                batch = []
        _written(dataset, batch, report, write=skip_invalid or not report.invalid, started=started, ids=ids)
        if report.invalid and not skip_invalid:
            raise ImportRefused(report)  # leaving the block by an exception rolls the written batches back
    return report
