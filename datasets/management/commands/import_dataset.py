"""Import a CSV or JSON lines file into a dataset with a column mapping, streaming, all rows or none."""

from django.core.management.base import BaseCommand, CommandError

from aistrale.commands import progress_bar, project_option
from aistrale.errors import DomainError
from datasets.imports.importer import BATCH_SIZE, ImportRefused, dataset_import
from datasets.imports.mapping import DEFAULT_EXPECTED_OUTPUT, DEFAULT_INPUT, ColumnMapping, column_list
from datasets.imports.preview import mapping_for_header
from datasets.imports.readers import FORMATS, FileError, format_of, read_rows, text_stream
from datasets.models import Dataset
from datasets.services import dataset_create


def _lines(report) -> list[str]:
    lines = [str(error) for error in report.errors]
    if report.invalid > len(report.errors):
        lines.append(f"... and {report.invalid - len(report.errors)} more invalid rows")
    return lines


class Command(BaseCommand):
    help = (
        "Import a CSV (with a header row) or JSON lines file into a dataset as new items. The mapping names "
        "the columns (CSV) or keys (JSON lines) of the input, expected output and metadata; several input or "
        "expected output columns make an object of them. Bad rows are reported by line number and nothing is "
        "imported unless --skip-invalid. The file is streamed and written in batches in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="dataset name")
        parser.add_argument("file", help="the CSV or JSON lines file")
        parser.add_argument("--project", required=True, help="project id or name")
        parser.add_argument("--format", choices=FORMATS, help="csv or jsonl; from the file's extension when omitted")
        parser.add_argument("--input", default=",".join(DEFAULT_INPUT), help="input column(s), comma-separated")
        parser.add_argument(
            "--expected-output", help=f"expected output column(s); {DEFAULT_EXPECTED_OUTPUT[0]} when the file has it"
        )
        parser.add_argument("--metadata", default="", help="metadata column(s), comma-separated")
        parser.add_argument("--id", dest="id_column", help="column holding the item id (new ids when omitted)")
        parser.add_argument("--json-columns", default="", help="CSV columns whose cells are JSON text")
        parser.add_argument("--create", action="store_true", help="create the dataset when it does not exist")
        parser.add_argument("--skip-invalid", action="store_true", help="import the good rows, report the bad ones")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="items written at a time")

    def handle(self, *args, name, file, project, format, **options):
        project = project_option(project)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        mapping = ColumnMapping(
            input=column_list(options["input"]),
            expected_output=DEFAULT_EXPECTED_OUTPUT
            if options["expected_output"] is None
            else column_list(options["expected_output"]),
            metadata=column_list(options["metadata"]),
            id=options["id_column"] or None,
            json_columns=frozenset(column_list(options["json_columns"])),
        )
        if not mapping.input:
            raise CommandError("--input: name at least one column")
        try:
            format = format_of(file, format)
        except FileError as error:
            raise CommandError(f"--format: {error}") from None
        dataset = self._dataset(project, name, create=options["create"])
        try:
            with open(file, "rb") as binary:
                report = self._import(binary, dataset=dataset, mapping=mapping, format=format, **options)
        except OSError as error:
            raise CommandError(f"file: {error.strerror}: {file}") from None
        except FileError as error:
            raise CommandError(f"file: {error}; nothing was imported") from None
        except ImportRefused as refused:
            lines = "\n".join(_lines(refused.report))
            raise CommandError(f"{refused}; pass --skip-invalid to import the good rows\n{lines}") from None
        for line in _lines(report):
            self.stderr.write(f"Skipped {line}")
        self.stdout.write(f"Imported {report.imported} items into {dataset.name} ({report.invalid} invalid rows)")

    def _dataset(self, project, name: str, *, create: bool) -> Dataset:
        dataset = Dataset.objects.filter(project=project, name=name).first()
        if dataset is not None:
            return dataset
        if not create:
            raise CommandError(f"name: no dataset named {name!r} in project {project.name!r} (pass --create)")
        try:
            return dataset_create(project=project, name=name)
        except DomainError as error:
            raise CommandError(f"name: {error.message}") from None

    def _import(self, binary, *, dataset, mapping, format, **options):
        header, rows = read_rows(text_stream(binary), format=format)
        try:
            mapping = mapping_for_header(mapping, header, expected_output_given=options["expected_output"] is not None)
        except ValueError as error:
            raise CommandError(f"mapping: {error}") from None
        bar = progress_bar(self, description=f"Importing into {dataset.name}", total=lambda: None)
        with bar as progress:
            return dataset_import(
                dataset=dataset,
                rows=rows,
                mapping=mapping,
                csv=header is not None,
                skip_invalid=options["skip_invalid"],
                batch_size=options["batch_size"],
                advance=progress.advance,
            )
