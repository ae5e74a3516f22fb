"""What a trace's page shows (facts, payloads, scores, tree and waterfall), for the admin and the public page.

Both pages render it with the `observability/_trace_body.html` include. The media its payloads reference
link to URLs the page gives (`url_for(media)`): the admin's permission-checked downloads, or the public
page's token-scoped ones.
"""

from aistrale import display
from observability import selectors
from observability.admin.payloads import payload_text, payload_view
from observability.admin.waterfall import time_axis, waterfall
from observability.extensions import score_map_by_trace
from observability.media.rendering import trace_media_renderer
from observability.models import Trace


def trace_page_context(trace: Trace, *, url_for) -> dict:
    observations = selectors.trace_observation_list(trace=trace)
    values = [trace.input, trace.output, trace.metadata]
    for observation in observations:
        values.extend([observation.input, observation.output, observation.metadata])
    media = trace_media_renderer(trace=trace, values=values, url_for=url_for)
    rows, span = waterfall(observations, media)
    metrics = selectors.trace_metrics(project=trace.project, trace_ids=[trace.id]).get(trace.id)
    return {
        "trace": trace,
        "metrics": metrics or selectors.TraceMetrics(),
        "latency": display.duration(metrics.latency if metrics else None),
        "cost": display.money(metrics.total_cost if metrics else None),
        "tokens": display.tokens(metrics.total_tokens, metrics.input_tokens, metrics.output_tokens)
        if metrics
        else display.EMPTY,
        "rows": rows,
        "axis": time_axis(span),
        "scores": score_map_by_trace(project=trace.project, trace_ids=[trace.id]).get(trace.id, []),
        "trace_input": payload_view(trace.input, media),
        "trace_output": payload_view(trace.output, media),
        "trace_metadata": payload_text(trace.metadata),
        "trace_metadata_media": media(trace.metadata),
    }
