"""The media endpoints: announce an upload, the upload URL itself, the client's report, and downloads.

The upload and download URLs carry their own signed token instead of the project's key, as the
presigned storage URLs of Langfuse do; the SDKs call them without authentication.
"""

import io

from django.urls import reverse
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from aistrale.api.base import ProjectApiView
from aistrale.api.permissions import AllowAny
from aistrale.api.request_body import raise_body_problem
from observability.media import schema, selectors, services, tokens
from observability.media.files import media_file_response
from observability.media.serializers import MediaPatchSerializer, MediaUploadUrlRequestSerializer, media_public


@schema.media_upload_url
class MediaUploadUrlView(ProjectApiView):
    def post(self, request):
        serializer = MediaUploadUrlRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        media, token = services.media_upload_announce(project=request.auth.project, **serializer.validated_data)
        upload_url = None
        if token is not None:
            upload_url = request.build_absolute_uri(reverse("media-upload", args=[token]))
        return Response({"mediaId": media.id, "uploadUrl": upload_url}, status=201)


@schema.media_detail
class MediaDetailView(ProjectApiView):
    def _get(self, request, media_id):
        media = selectors.media_get(project=request.auth.project, media_id=media_id)
        if media is None:
            raise NotFound("Media asset not found")
        return media

    def get(self, request, media_id):
        media = self._get(request, media_id)
        if media.uploaded_at is None:
            raise NotFound("Media not yet uploaded")
        url = request.build_absolute_uri(reverse("media-download", args=[tokens.download_token(media_key=media.key)]))
        return Response(media_public(media, url=url, url_expiry=tokens.download_expiry()))

    def patch(self, request, media_id):
        media = self._get(request, media_id)
        serializer = MediaPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = {key: value for key, value in serializer.validated_data.items() if key != "uploaded_at"}
        services.media_upload_report(media=media, **report)
        return Response(status=204)


class SignedUrlView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        raise_body_problem(request)
        super().initial(request, *args, **kwargs)


@schema.media_upload
class MediaUploadView(SignedUrlView):
    parser_classes = []

    def put(self, request, token):
        meta = request.META
        declared = meta.get("CONTENT_LENGTH") or ""
        services.media_upload_receive(
            token=token,
            content_type=meta.get("CONTENT_TYPE", ""),
            declared_length=int(declared) if declared.isdigit() else None,
            checksum=meta.get("HTTP_X_AMZ_CHECKSUM_SHA256"),
            stream=request.stream or io.BytesIO(),
        )
        return Response(status=200)


@schema.media_download
class MediaDownloadView(SignedUrlView):
    def get(self, request, token):
        media = selectors.media_get_by_key(media_key=tokens.download_token_read(token))
        if media is None:
            raise NotFound("Media asset not found")
        return media_file_response(media)
