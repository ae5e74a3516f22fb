"""The feedback panel of the trace admin page (registered with observability.extensions)."""

from django.template.loader import render_to_string

from aistrale import display
from feedback.selectors import feedback as selectors


def trace_feedback_panel(*, request, project, subject_id: str) -> str | None:
    scores = selectors.feedback_for_trace(project=project, trace_id=subject_id)
    if not scores:
        return None
    verdicts = [selectors.positive(score) for score in scores]
    rated = [verdict for verdict in verdicts if verdict is not None]
    return render_to_string(
        "feedback/admin/trace_panel.html",
        {
            "rows": [{"score": score, "positive": verdict} for score, verdict in zip(scores, verdicts, strict=True)],
            "count": len(scores),
            "positive_rate": display.percent(sum(rated) / len(rated) if rated else None),
        },
        request=request,
    )
