"""Production generations as fine-tuning data: the generation's input as the conversation, its output (or the
correction made to it) as the assistant turn.

A CORRECTION score on the generation, or on its trace when the generation has none, replaces the output (the
newest one wins; its text is the corrected output). `min_score` keeps only the generations with a score of
that name at or above the threshold on the generation or its trace; `only_corrected` only those corrected.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from aistrale.commands import json_line
from datasets.exports.chat import RECORDS, ChatFormatError
from evals.models import Score, ScoreDataType
from observability.api.filters import OBSERVATION_FILTER
from observability.models import Observation, ObservationType


@dataclass(frozen=True)
class ScoreThreshold:
    name: str
    value: float


def _scores_of_generation():
    """Scores on the outer generation, or on its trace without an observation."""
    return Score.objects.filter(project=OuterRef("project")).filter(
        Q(observation_id=OuterRef("id")) | Q(trace_id=OuterRef("trace_id"), observation_id__isnull=True)
    )


def generation_select(
    *, project, filter: str | None, start=None, end=None, min_score: ScoreThreshold | None, only_corrected: bool
) -> QuerySet[Observation]:
    """The project's generations to export, oldest first (`filter` is the observations' JSON filter)."""
    generations = Observation.objects.filter(project=project, type=ObservationType.GENERATION)
    if filter:
        generations = OBSERVATION_FILTER.filtered(generations, filter)
    if start is not None:
        generations = generations.filter(start_time__gte=start)
    if end is not None:
        generations = generations.filter(start_time__lt=end)
    if min_score is not None:
        passing = _scores_of_generation().filter(name=min_score.name, value__gte=min_score.value)
        generations = generations.filter(Exists(passing))
    if only_corrected:
        generations = generations.filter(Exists(_scores_of_generation().filter(data_type=ScoreDataType.CORRECTION)))
    return generations.order_by("start_time", "key")


def _corrections(project, generations: list[Observation]) -> dict[tuple[str, str], str]:
    """{("observation"|"trace", id): corrected output} of these generations, the newest correction winning."""
    observation_ids = [generation.id for generation in generations]
    trace_ids = {generation.trace_id for generation in generations if generation.trace_id}
    scores = Score.objects.filter(project=project, data_type=ScoreDataType.CORRECTION, string_value__isnull=False)
    on_trace = Q(trace_id__in=trace_ids, observation_id__isnull=True)
    scores = scores.filter(Q(observation_id__in=observation_ids) | on_trace)
    found = {}
    for score in scores.order_by("timestamp", "key").only("observation_id", "trace_id", "string_value"):
        subject = ("observation", score.observation_id) if score.observation_id else ("trace", score.trace_id)
        found[subject] = score.string_value
    return found


def generation_iter(generations: QuerySet[Observation], *, project, chunk_size: int) -> Iterator[tuple]:
    """(generation, its output or correction), one chunk of generations and one correction query at a time."""
    chunk: list[Observation] = []

    def flush():
        corrections = _corrections(project, chunk)
        for generation in chunk:
            output = corrections.get(("observation", generation.id), corrections.get(("trace", generation.trace_id)))
            yield generation, generation.output if output is None else output

    for generation in generations.iterator(chunk_size=chunk_size):
        chunk.append(generation)
        if len(chunk) == chunk_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def write_generations(stream, rows, *, format: str, on_invalid, advance) -> int:
    """Write one fine-tuning record per (generation, output); a misfit goes to `on_invalid(id, problem)`."""
    count = 0
    for generation, output in rows:
        advance()
        try:
            record = RECORDS[format](input=generation.input, output=output)
        except ChatFormatError as error:
            on_invalid(generation.id, str(error))
            continue
        stream.write(json_line(record))
        count += 1
    return count
