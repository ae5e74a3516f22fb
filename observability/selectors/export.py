"""Streaming reads for exports, in constant memory."""

from observability.models import Observation, Trace


def trace_iter_with_observations(*, project, start=None, end=None, chunk_size: int = 500):
    """Yield (trace, its observations) in time order, holding one chunk of traces in memory at a time."""
    traces = Trace.objects.filter(project=project).order_by("timestamp", "key")
    if start is not None:
        traces = traces.filter(timestamp__gte=start)
    if end is not None:
        traces = traces.filter(timestamp__lt=end)
    chunk: list[Trace] = []
    for trace in traces.iterator(chunk_size=chunk_size):
        chunk.append(trace)
        if len(chunk) == chunk_size:
            yield from _with_observations(project, chunk)
            chunk = []
    yield from _with_observations(project, chunk)


def _with_observations(project, traces: list[Trace]):
    if not traces:
        return
    observations: dict[str, list[Observation]] = {}
    rows = Observation.objects.filter(project=project, trace_id__in=[trace.id for trace in traces])
    for observation in rows.order_by("start_time", "key").iterator(chunk_size=2000):
        observations.setdefault(observation.trace_id, []).append(observation)
    for trace in traces:
        yield trace, observations.get(trace.id, [])
