"""The media endpoints' bodies on the wire (camelCase), and the response shapes."""

from rest_framework import serializers

from observability.api.serializers import iso
from observability.media.content_types import CONTENT_TYPES


class MediaUploadUrlRequestSerializer(serializers.Serializer):
    traceId = serializers.CharField(source="trace_id", required=False, allow_null=True, max_length=255)
    observationId = serializers.CharField(source="observation_id", required=False, allow_null=True, max_length=255)
    datasetId = serializers.CharField(source="dataset_id", required=False, allow_null=True, max_length=255)
    datasetItemId = serializers.CharField(source="dataset_item_id", required=False, allow_null=True, max_length=255)
    contentType = serializers.ChoiceField(source="content_type", choices=CONTENT_TYPES)
    contentLength = serializers.IntegerField(source="content_length", min_value=1)
    sha256Hash = serializers.CharField(source="sha256_hash", max_length=44)
    field = serializers.CharField(max_length=32)


class MediaPatchSerializer(serializers.Serializer):
    uploadedAt = serializers.DateTimeField(source="uploaded_at")
    uploadHttpStatus = serializers.IntegerField(source="upload_http_status", min_value=100, max_value=599)
    uploadHttpError = serializers.CharField(
        source="upload_http_error", required=False, allow_null=True, allow_blank=True
    )
    uploadTimeMs = serializers.IntegerField(source="upload_time_ms", required=False, allow_null=True, min_value=0)


def media_public(media, *, url: str, url_expiry) -> dict:
    """GetMediaResponse."""
    return {
        "mediaId": media.id,
        "contentType": media.content_type,
        "contentLength": media.content_length,
        "uploadedAt": iso(media.uploaded_at),
        "url": url,
        "urlExpiry": iso(url_expiry),
    }
