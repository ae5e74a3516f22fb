"""The public trace page: served without login to anyone holding the link of a trace marked public."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from observability.admin.trace_page import trace_page_context
from observability.public.links import trace_get_public


@require_safe
def public_trace_view(request, token: str):
    trace = trace_get_public(token=token)
    if trace is None:
        raise Http404("No public trace at this link.")
    response = TemplateResponse(
        request, "observability/public_trace.html", {**trace_page_context(trace), "public_page": True}
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
