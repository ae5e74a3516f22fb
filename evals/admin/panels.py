"""Panels observability's admin pages show: a session's scores, and a trace's scores per observation."""

from django.template.loader import render_to_string

from evals import selectors


def session_scores_panel(*, request, project, subject_id: str) -> str | None:
    """The scores on the session itself (its traces' scores show on their trace pages)."""
    scores = list(selectors.score_list_for_session(project=project, session_id=subject_id))
    return render_to_string(
        "evals/admin/scores_panel.html",
        {"title": "Session scores", "scores": scores, "empty": "No scores on this session."},
    )


def trace_scores_panel(*, request, project, subject_id: str) -> str | None:
    """The trace's observation scores grouped by observation; nothing when no observation is scored."""
    grouped: dict[str, list] = {}
    for score in selectors.score_list_for_trace(project=project, trace_id=subject_id):
        if score.observation_id:
            grouped.setdefault(score.observation_id, []).append(score)
    if not grouped:
        return None
    return render_to_string("evals/admin/observation_scores_panel.html", {"observations": grouped.items()})
