"""Stream a dataset's items as JSON lines, CSV, or chat fine-tuning data (OpenAI chat, Anthropic messages)."""

from django.core.management.base import BaseCommand, CommandError

from aistrale.commands import moment_option, output_stream, progress_bar, project_option
from datasets.exports.items import FORMATS, dataset_item_iter, dataset_item_select, write_items
from datasets.models import Dataset


class Command(BaseCommand):
    help = (
        "Export a dataset's active items, oldest first, streaming with constant memory. jsonl: the API's item "
        "shape; csv: one row per item, JSON values JSON-encoded; openai-chat / anthropic: one fine-tuning "
        "example per item (its input as the conversation, its expected output as the assistant turn), each "
        "checked against the format. An item that does not fit stops the export unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="dataset name")
        parser.add_argument("--project", required=True, help="project id or name")
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--output", help="file to write; standard output when omitted")
        parser.add_argument("--include-archived", action="store_true", help="also export archived items")
        parser.add_argument("--as-of", help="ISO 8601 time: the items as they were then (what a run used)")
        parser.add_argument("--skip-invalid", action="store_true", help="skip (and list) items that do not fit")
        parser.add_argument("--chunk-size", type=int, default=1000, help="items read from the database at a time")

    def handle(self, *args, name, project, format, output, include_archived, skip_invalid, chunk_size, **options):
        project = project_option(project)
        version = moment_option(options["as_of"], "--as-of")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        dataset = Dataset.objects.filter(project=project, name=name).first()
        if dataset is None:
            raise CommandError(f"name: no dataset named {name!r} in project {project.name!r}")
        skipped = []

        def on_invalid(error):
            if not skip_invalid:
                raise CommandError(f"{error}; pass --skip-invalid to export the other items")
            skipped.append(error)

        selected = dataset_item_select(dataset=dataset, include_archived=include_archived, version=version)
        items = dataset_item_iter(selected, chunk_size=chunk_size)
        bar = progress_bar(self, description=f"Exporting {name}", total=selected.count)
        with bar as progress, output_stream(self, output, atomic=True) as stream:
            count = write_items(
                stream, items, dataset=dataset, format=format, on_invalid=on_invalid, advance=progress.advance
            )
        for error in skipped:
            self.stderr.write(f"Skipped {error}")
        if output:
            self.stderr.write(f"Exported {count} items to {output}")
