"""What a trace's page shows (facts, payloads, scores, tree and waterfall), for the admin and the public page.

Both pages render it with the `observability/_trace_body.html` include. Payloads go through
`payloads.payload_view` for the trace and, in `waterfall`, for every observation: media references rendered
there must take their URLs from the page (the admin's permission-checked downloads, or the public page's
token-scoped ones), never build admin URLs on their own.
"""

from aistrale import display
from observability import selectors
from observability.admin.payloads import payload_text, payload_view
from observability.admin.waterfall import time_axis, waterfall
from observability.extensions import score_map_by_trace
from observability.models import Trace


def trace_page_context(trace: Trace) -> dict:
    rows, span = waterfall(selectors.trace_observation_list(trace=trace))
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
        "trace_input": payload_view(trace.input),
        "trace_output": payload_view(trace.output),
        "trace_metadata": payload_text(trace.metadata),
    }
