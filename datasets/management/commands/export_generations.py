"""Stream a project's production generations as chat fine-tuning data (OpenAI chat, Anthropic messages)."""

from django.core.management.base import BaseCommand, CommandError

from aistrale.commands import moment_option, output_stream, progress_bar, project_option
from aistrale.errors import DomainError
from datasets.exports.chat import RECORDS
from datasets.exports.generations import ScoreThreshold, generation_iter, generation_select, write_generations


def score_threshold(value: str | None) -> ScoreThreshold | None:
    if value is None:
        return None
    name, separator, threshold = value.rpartition("=")
    try:
        number = float(threshold)
    except ValueError:
        number = None
    if not separator or not name or number is None:
        raise CommandError(f"--min-score: expected NAME=NUMBER, e.g. helpfulness=0.8, got {value!r}")
    return ScoreThreshold(name=name, value=number)


class Command(BaseCommand):
    help = (
        "Export a project's generations, oldest first, as fine-tuning data with constant memory: the "
        "generation's input as the conversation, its output as the assistant turn. A CORRECTION score on the "
        "generation (or its trace) replaces the output. --filter takes the observations API's JSON filter; "
        "--min-score keeps generations with a score at or above a threshold; --only-corrected those corrected. "
        "A generation that does not fit the format stops the export unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project id or name")
        parser.add_argument("--format", choices=list(RECORDS), default="openai-chat")
        parser.add_argument("--filter", help='JSON filter of GET /api/public/observations, e.g. [{"type": ...}]')
        parser.add_argument("--from", dest="start", help="ISO 8601 start time (inclusive)")
        parser.add_argument("--to", dest="end", help="ISO 8601 start time (exclusive)")
        parser.add_argument("--min-score", help="NAME=NUMBER: only generations with that score at or above it")
        parser.add_argument("--only-corrected", action="store_true", help="only generations with a correction")
        parser.add_argument("--output", help="file to write; standard output when omitted")
        parser.add_argument("--skip-invalid", action="store_true", help="skip (and list) generations that do not fit")
        parser.add_argument("--chunk-size", type=int, default=1000, help="generations held in memory at a time")

    def handle(self, *args, project, format, filter, start, end, min_score, only_corrected, output, **options):
        project = project_option(project)
        start, end = moment_option(start, "--from"), moment_option(end, "--to")
        if start and end and start >= end:
            raise CommandError("--from must be before --to")
        chunk_size, skip_invalid = options["chunk_size"], options["skip_invalid"]
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        try:
            generations = generation_select(
                project=project,
                filter=filter,
                start=start,
                end=end,
                min_score=score_threshold(min_score),
                only_corrected=only_corrected,
            )
        except DomainError as error:
            where = "" if error.field in (None, "filter") else f"{error.field}: "
            raise CommandError(f"--filter: {where}{error.message}") from None
        skipped = []

        def on_invalid(generation_id, problem):
            if not skip_invalid:
                raise CommandError(f"generation {generation_id!r}: {problem}; pass --skip-invalid to export the rest")
            skipped.append((generation_id, problem))

        rows = generation_iter(generations, project=project, chunk_size=chunk_size)
        bar = progress_bar(self, description="Exporting generations", total=generations.count)
        with bar as progress, output_stream(self, output, atomic=True) as stream:
            count = write_generations(stream, rows, format=format, on_invalid=on_invalid, advance=progress.advance)
        for generation_id, problem in skipped:
            self.stderr.write(f"Skipped generation {generation_id!r}: {problem}")
        if output:
            self.stderr.write(f"Exported {count} generations to {output}")
