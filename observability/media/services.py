"""The writes of media: announcing an upload, receiving its bytes, the client's upload report, unlinking.

Identical bytes (the same SHA-256) are stored once per project: announcing bytes already stored only
records the new link and hands out no upload URL, as Langfuse does.
"""

import base64
import binascii

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from aistrale.errors import DomainError
from observability.media import tokens
from observability.media.content_types import CONTENT_TYPES
from observability.media.storage import Received, media_file_save, storage_name
from observability.models import Media, MediaLink

TRACE_FIELDS = ("input", "output", "metadata")
DATASET_ITEM_FIELDS = ("input", "expectedOutput", "metadata")


def media_id_for(sha256_hash: str) -> str:
    """The media id the SDKs compute: the first 22 characters of the hash in URL-safe base64."""
    return sha256_hash.replace("+", "-").replace("/", "_")[:22]


def sha256_check(value: str) -> str:
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise DomainError("must be the base64 SHA-256 of the bytes (44 characters)", field="sha256_hash")
    return value


def _context_check(*, trace_id, observation_id, dataset_id, dataset_item_id, field) -> None:
    if trace_id and (dataset_id or dataset_item_id):
        raise DomainError("give either traceId or datasetId and datasetItemId, not both", field="trace_id")
    if trace_id:
        if field not in TRACE_FIELDS:
            raise DomainError(f"must be one of {', '.join(TRACE_FIELDS)} for trace media", field="field")
        return
    if observation_id:
        raise DomainError("observationId needs the traceId of its trace", field="trace_id")
    if not (dataset_id and dataset_item_id):
        raise DomainError("give traceId, or datasetId and datasetItemId", field="trace_id")
    if field not in DATASET_ITEM_FIELDS:
        raise DomainError(f"must be one of {', '.join(DATASET_ITEM_FIELDS)} for dataset item media", field="field")


def _link(*, media: Media, trace_id, observation_id, dataset_id, dataset_item_id, field) -> None:
    MediaLink.objects.bulk_create(
        [
            MediaLink(
                project=media.project,
                media=media,
                trace_id=trace_id or "",
                observation_id=observation_id or "",
                dataset_id=dataset_id or "",
                dataset_item_id=dataset_item_id or "",
                field=field,
            )
        ],
        ignore_conflicts=True,
    )


def _media_for_announcement(*, project, sha256_hash: str, content_type: str, content_length: int) -> Media:
    try:
        with transaction.atomic():
            media, _ = Media.objects.select_for_update().get_or_create(
                project=project,
                sha256_hash=sha256_hash,
                defaults={
                    "id": media_id_for(sha256_hash),
                    "content_type": content_type,
                    "content_length": content_length,
                },
            )
    except IntegrityError:
        media = Media.objects.select_for_update().get(project=project, sha256_hash=sha256_hash)
    return media


@transaction.atomic
def media_upload_announce(
    *,
    project,
    content_type: str,
    content_length: int,
    sha256_hash: str,
    field: str,
    trace_id: str | None = None,
    observation_id: str | None = None,
    dataset_id: str | None = None,
    dataset_item_id: str | None = None,
) -> tuple[Media, str | None]:
    """The media for these bytes, linked where they were referenced, and an upload token (None when stored)."""
    if content_type not in CONTENT_TYPES:
        raise DomainError(f"{content_type!r} is not a supported media type", field="content_type")
    limit = settings.AISTRALE_MAX_MEDIA_BYTES
    if not 0 < content_length <= limit:
        raise DomainError(f"must be from 1 to {limit} bytes, got {content_length}", field="content_length")
    sha256_check(sha256_hash)
    context = {
        "trace_id": trace_id,
        "observation_id": observation_id,
        "dataset_id": dataset_id,
        "dataset_item_id": dataset_item_id,
        "field": field,
    }
    _context_check(**context)
    media = _media_for_announcement(
        project=project, sha256_hash=sha256_hash, content_type=content_type, content_length=content_length
    )
    if media.uploaded_at is not None and media.content_length != content_length:
        raise DomainError(
            f"differs from the {media.content_length} bytes stored with this sha256Hash", field="content_length"
        )
    _link(media=media, **context)
    if media.uploaded_at is not None:
        if media.content_type != content_type:
            media.content_type = content_type
            media.save(update_fields=["content_type"])
        return media, None
    media.content_type, media.content_length, media.upload_nonce = content_type, content_length, tokens.new_nonce()
    media.save(update_fields=["content_type", "content_length", "upload_nonce"])
    return media, tokens.upload_token(media_key=media.key, nonce=media.upload_nonce)


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


def _pending_media(token: str) -> tuple[Media, str]:
    media_key, nonce = tokens.upload_token_read(token)
    media = Media.objects.filter(key=media_key).first()
    if media is None:
        raise DomainError("The media of this upload URL no longer exists", status=404)
    if media.uploaded_at is not None or media.upload_nonce != nonce:
        raise DomainError("This media upload URL was already used or replaced by a newer one", status=403)
    return media, nonce


def media_upload_receive(*, token: str, content_type: str, declared_length: int | None, checksum: str | None, stream):
    """Store the bytes PUT to an upload URL once they match the announcement; DomainError otherwise, nothing stored."""
    media, nonce = _pending_media(token)
    if _media_type(content_type) != media.content_type:
        raise DomainError(f"Content-Type {content_type!r} differs from the announced {media.content_type!r}")
    if checksum is not None and checksum != media.sha256_hash:
        raise DomainError("x-amz-checksum-sha256 differs from the announced sha256Hash")
    if declared_length is not None and declared_length != media.content_length:
        raise DomainError(f"Content-Length {declared_length} differs from the announced {media.content_length} bytes")
    received = Received(stream, limit=media.content_length)
    try:
        if received.over_limit or received.size != media.content_length:
            size = f"more than {media.content_length}" if received.over_limit else str(received.size)
            raise DomainError(f"Received {size} bytes, the announcement said {media.content_length}")
        if base64.b64encode(received.sha256).decode() != media.sha256_hash:
            raise DomainError("The bytes' SHA-256 differs from the announced sha256Hash")
        return _media_store(media=media, nonce=nonce, received=received)
    finally:
        received.close()


@transaction.atomic
def _media_store(*, media: Media, nonce: str, received: Received) -> Media:
    claimed = Media.objects.filter(key=media.key, upload_nonce=nonce, uploaded_at__isnull=True).update(upload_nonce="")
    if not claimed:
        raise DomainError("This media upload URL was already used or replaced by a newer one", status=403)
    name = storage_name(project_id=media.project_id, media_id=media.id, content_type=media.content_type)
    media.storage_path = media_file_save(name=name, received=received)
    media.upload_nonce, media.uploaded_at = "", timezone.now()
    media.save(update_fields=["storage_path", "upload_nonce", "uploaded_at"])
    return media


def media_upload_report(*, media: Media, upload_http_status: int, upload_http_error=None, upload_time_ms=None):
    """Record what the client says its upload answered; whether the bytes are stored is the server's own record."""
    media.reported_status = upload_http_status
    media.reported_error = None if upload_http_status == 200 else upload_http_error
    media.reported_time_ms = upload_time_ms
    media.save(update_fields=["reported_status", "reported_error", "reported_time_ms"])


def media_unlink_traces(*, project, trace_ids: list[str]) -> int:
    """Drop the links of these traces and the media no longer linked anywhere (their files go after commit)."""
    linked = set(MediaLink.objects.filter(project=project, trace_id__in=trace_ids).values_list("media_id", flat=True))
    if not linked:
        return 0
    MediaLink.objects.filter(project=project, trace_id__in=trace_ids).delete()
    orphans = Media.objects.filter(project=project, key__in=linked, links__isnull=True)
    deleted, _ = orphans.delete()
    return deleted
