"""Admin URLs of explorer pages that other pages link to."""

from django.urls import reverse


def session_url(project_id: str, session_id: str) -> str:
    return reverse("admin:observability_trace_session", args=[project_id, session_id])


def trace_id_url(project_id: str, trace_id: str) -> str:
    return reverse("admin:observability_observation_trace", args=[project_id, trace_id])
