"""The public trace page: served without login to anyone holding the link of a trace marked public."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from observability.admin.trace_page import trace_page_context
from observability.media.files import media_file_response
from observability.media.selectors import media_map_for_trace
from observability.public.links import trace_get_public


@require_safe
def public_trace_view(request, token: str):
    trace = trace_get_public(token=token)
    if trace is None:
        raise Http404("No public trace at this link.")
    response = TemplateResponse(
        request,
        "observability/public_trace.html",
        {**trace_page_context(trace, url_for=lambda media: public_media_path(token, media)), "public_page": True},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def public_media_path(token: str, media) -> str:
    return reverse("observability_public_trace_media", args=[token, media.id])


@require_safe
def public_media_view(request, token: str, media_id: str):
    """A file the public trace references, under the same rule as the page: the link opens while it is public."""
    trace = trace_get_public(token=token)
    if trace is None:
        raise Http404("No public trace at this link.")
    media = media_map_for_trace(project=trace.project, trace_id=trace.id, media_ids=[media_id]).get(media_id)
    if media is None:
        raise Http404("This trace has no such media.")
    response = media_file_response(media)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
