"""The reads of media: project-scoped, and the media a trace's pages may show."""

from observability.models import Media


def media_get(*, project, media_id: str) -> Media | None:
    return Media.objects.filter(project=project, id=media_id).first()


def media_get_by_key(*, media_key: int) -> Media | None:
    return Media.objects.filter(key=media_key).first()


def media_map_for_trace(*, project, trace_id: str, media_ids) -> dict[str, Media]:
    """The stored media among these ids that were uploaded for this trace, by media id."""
    rows = Media.objects.filter(
        project=project, id__in=set(media_ids), uploaded_at__isnull=False, links__trace_id=trace_id
    ).distinct()
    return {media.id: media for media in rows}
