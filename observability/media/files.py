"""Streaming a stored media file to a browser or client, safely: its own type, no sniffing, no scripts."""

from django.http import FileResponse, Http404

from observability.media.content_types import shown_inline
from observability.media.storage import media_storage
from observability.models import Media


def media_file_response(media: Media) -> FileResponse:
    """The stored bytes, streamed; types a browser could run (HTML, SVG, scripts) come as attachments."""
    if media.uploaded_at is None or not media.storage_path:
        raise Http404("Media not yet uploaded")
    try:
        handle = media_storage().open(media.storage_path, "rb")
    except FileNotFoundError:
        raise Http404("The stored file of this media is missing") from None
    response = FileResponse(
        handle,
        content_type=media.content_type,
        as_attachment=not shown_inline(media.content_type),
        filename=media.storage_path.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
