"""OpenAPI description of the media endpoints (Langfuse's media API, and the signed URLs it hands out)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import ErrorBody
from observability.media.serializers import MediaPatchSerializer, MediaUploadUrlRequestSerializer

SIGNED_URL_REFUSED = OpenApiResponse(
    ErrorBody, description="AccessDeniedError: the signed URL has expired, is not valid, or (upload) was used"
)


class GetMediaUploadUrlResponse(serializers.Serializer):
    uploadUrl = serializers.CharField(
        allow_null=True, help_text="The signed upload URL; null when these bytes are already stored in the project"
    )
    mediaId = serializers.CharField(help_text="The media id: the first 22 characters of the URL-safe base64 SHA-256")


class GetMediaResponse(serializers.Serializer):
    mediaId = serializers.CharField()
    contentType = serializers.CharField()
    contentLength = serializers.IntegerField()
    uploadedAt = serializers.DateTimeField()
    url = serializers.CharField(help_text="A signed download URL, valid until urlExpiry")
    urlExpiry = serializers.CharField()


media_upload_url = extend_schema_view(
    post=extend_schema(
        operation_id="media_getUploadUrl",
        description="Announce an upload: its type, size, SHA-256 and where it is referenced (a trace field, or a "
        "dataset item field). Answers a signed, single-use upload URL on this server, or none when the same bytes "
        "are already stored in the project.",
        request=MediaUploadUrlRequestSerializer,
        responses={201: GetMediaUploadUrlResponse},
    )
)

media_detail = extend_schema_view(
    get=extend_schema(
        operation_id="media_get",
        description="A stored media record with a signed download URL; 404 until its bytes are uploaded.",
        responses={200: GetMediaResponse},
    ),
    patch=extend_schema(
        operation_id="media_patch",
        description="The client's report of its upload (status, error, time). Whether the bytes are stored is the "
        "server's own record, set by the upload URL.",
        request=MediaPatchSerializer,
        responses={204: None},
    ),
)

media_upload = extend_schema_view(
    put=extend_schema(
        operation_id="media_upload",
        description="The upload URL: PUT the announced bytes with the announced Content-Type (and optionally "
        "x-amz-checksum-sha256). The signed token in the path is the credential; it expires and works once. "
        "A wrong type, size or SHA-256 answers 400 and stores nothing; a body over AISTRALE_MAX_MEDIA_BYTES 413.",
        request={"*/*": OpenApiTypes.BINARY},
        responses={200: OpenApiResponse(description="Stored"), 403: SIGNED_URL_REFUSED},
        auth=[],
    )
)

media_download = extend_schema_view(
    get=extend_schema(
        operation_id="media_download",
        description="The download URL that GET /api/public/media/{mediaId} answers: the stored bytes, streamed. "
        "The signed token in the path is the credential; it expires.",
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY), 403: SIGNED_URL_REFUSED},
        auth=[],
    )
)
