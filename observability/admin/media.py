"""Media on the trace page: attachments linked to the admin's download view, which checks the trace like its page."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from observability.media.files import media_file_response
from observability.media.selectors import media_map_for_trace


def admin_media_url(trace):
    """The admin's URL rule for a trace page's media: the download view under that trace."""
    return lambda media: reverse("admin:observability_trace_media", args=[trace.key, media.id])


def trace_media_view(model_admin, request, object_id, media_id):
    """Stream a media file of a trace to a user who may see that trace."""
    trace = model_admin.get_object(request, unquote(object_id))
    if trace is None:
        raise Http404("No such trace is visible to you.")
    if not model_admin.has_view_permission(request, trace):
        raise PermissionDenied
    media = media_map_for_trace(project=trace.project, trace_id=trace.id, media_ids=[media_id]).get(media_id)
    if media is None:
        raise Http404("This trace has no such media.")
    return media_file_response(media)
