"""What a page shows of the media a payload references: the kind (image, audio, video, pdf, file) and a URL.

The URL rule is the page's own (`url_for(media) -> str`): the admin links its permission-checked download
view, another page (a public trace page) passes its own rule and reuses the rest.
"""

from collections.abc import Callable, Iterable

from observability.media.content_types import media_kind
from observability.media.references import media_references
from observability.media.selectors import media_map_for_trace
from observability.models import Media

UrlFor = Callable[[Media], str]


def media_attachments(value, *, media_by_id: dict[str, Media], url_for: UrlFor) -> list[dict]:
    """One entry per media reference in value; references to media not stored for the page say so."""
    attachments = []
    for reference in media_references(value):
        media = media_by_id.get(reference.media_id)
        if media is None:
            missing = {"kind": "missing", "media_id": reference.media_id, "content_type": reference.content_type}
            attachments.append(missing)
            continue
        attachments.append(
            {
                "kind": media_kind(media.content_type),
                "media_id": media.id,
                "content_type": media.content_type,
                "size": media.content_length,
                "url": url_for(media),
            }
        )
    return attachments


class MediaRenderer:
    """The attachments of every payload on one page, from media looked up once."""

    def __init__(self, *, media_by_id: dict[str, Media], url_for: UrlFor):
        self.media_by_id = media_by_id
        self.url_for = url_for

    def __call__(self, value) -> list[dict]:
        return media_attachments(value, media_by_id=self.media_by_id, url_for=self.url_for)


def trace_media_renderer(*, trace, values: Iterable, url_for: UrlFor) -> MediaRenderer:
    """A renderer for the payloads of a trace and its observations, in one query."""
    media_ids = {reference.media_id for value in values for reference in media_references(value)}
    found = media_map_for_trace(project=trace.project, trace_id=trace.id, media_ids=media_ids) if media_ids else {}
    return MediaRenderer(media_by_id=found, url_for=url_for)
