"""Stream a project's traces with their observations as JSON lines or CSV."""

import csv

from django.core.management.base import BaseCommand, CommandError

from aistrale.commands import json_cell, json_line, moment_option, output_stream, project_option
from observability import selectors
from observability.api.serializers import iso, observation_view, trace_core

TRACE_COLUMNS = ["trace_id", "trace_name", "trace_timestamp", "user_id", "session_id", "environment", "release"]
TRACE_COLUMNS += ["version", "tags", "trace_input", "trace_output", "trace_metadata"]
OBSERVATION_COLUMNS = ["observation_id", "parent_observation_id", "type", "name", "start_time", "end_time"]
OBSERVATION_COLUMNS += ["completion_start_time", "level", "status_message", "model", "input_tokens", "output_tokens"]
OBSERVATION_COLUMNS += ["total_tokens", "total_cost", "usage_details", "cost_details", "prompt_name", "prompt_version"]
OBSERVATION_COLUMNS += ["input", "output", "metadata"]


def trace_cells(trace) -> list:
    return [
        trace.id,
        trace.name or "",
        iso(trace.timestamp),
        trace.user_id or "",
        trace.session_id or "",
        trace.environment,
        trace.release or "",
        trace.version or "",
        json_cell(trace.tags or []),
        json_cell(trace.input),
        json_cell(trace.output),
        json_cell(trace.metadata),
    ]


def observation_cells(observation) -> list:
    return [
        observation.id,
        observation.parent_observation_id or "",
        observation.type,
        observation.name or "",
        iso(observation.start_time),
        iso(observation.end_time) or "",
        iso(observation.completion_start_time) or "",
        observation.level,
        observation.status_message or "",
        observation.model or "",
        observation.input_tokens,
        observation.output_tokens,
        observation.total_tokens,
        "" if observation.total_cost is None else str(observation.total_cost),
        json_cell(observation.usage_details),
        json_cell(observation.cost_details),
        observation.prompt_name or "",
        "" if observation.prompt_version is None else observation.prompt_version,
        json_cell(observation.input),
        json_cell(observation.output),
        json_cell(observation.metadata),
    ]


class Command(BaseCommand):
    help = (
        "Export a project's traces with their observations, oldest first, streaming with constant memory. "
        "jsonl: one trace per line in the API's trace shape with an `observations` list. "
        "csv: one row per observation with its trace's columns repeated; a trace without observations "
        "is one row with empty observation columns. JSON values in CSV cells are JSON-encoded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="project id or name")
        parser.add_argument("--from", dest="start", help="ISO 8601 start (inclusive), e.g. 2025-01-01T00:00:00Z")
        parser.add_argument("--to", dest="end", help="ISO 8601 end (exclusive)")
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="file to write; standard output when omitted")
        parser.add_argument("--chunk-size", type=int, default=500, help="traces held in memory at a time")

    def handle(self, *args, project, start, end, format, output, chunk_size, **options):
        project = project_option(project)
        start, end = moment_option(start, "--from"), moment_option(end, "--to")
        if start and end and start >= end:
            raise CommandError("--from must be before --to")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        rows = selectors.trace_iter_with_observations(project=project, start=start, end=end, chunk_size=chunk_size)
        with output_stream(self, output) as stream:
            count = write_jsonl(stream, rows) if format == "jsonl" else write_csv(stream, rows)
        if output:
            self.stderr.write(f"Exported {count} traces to {output}")


def write_jsonl(stream, rows) -> int:
    count = 0
    for trace, observations in rows:
        body = trace_core(trace)
        body["observations"] = [observation_view(observation) for observation in observations]
        stream.write(json_line(body))
        count += 1
    return count


def write_csv(stream, rows) -> int:
    writer = csv.writer(stream)
    writer.writerow(TRACE_COLUMNS + OBSERVATION_COLUMNS)
    empty = [""] * len(OBSERVATION_COLUMNS)
    count = 0
    for trace, observations in rows:
        cells = trace_cells(trace)
        for observation in observations:
            writer.writerow(cells + observation_cells(observation))
        if not observations:
            writer.writerow(cells + empty)
        count += 1
    return count
