"""Bounded request bodies: the raw size and the gzip-decompressed size both stop at the upload limit."""

import zlib

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType

READ_CHUNK = 64 * 1024


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class PayloadTooLarge(APIException):
    status_code = 413


def _too_big(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is larger than the {limit} bytes allowed (after gzip decompression)")


def read_body(request) -> bytes:
    """The request body, gzip-decoded when so encoded; 413 past the limit."""
    limit = body_limit()
    django_request = request._request
    declared = django_request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_big(limit)
    raw = django_request.read(limit + 1)
    if len(raw) > limit:
        raise _too_big(limit)
    encoding = django_request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedMediaType(encoding, detail=f"Content-Encoding {encoding!r} is not supported: use gzip")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, limit + 1)
        if len(data) > limit or decompressor.unconsumed_tail:
            raise _too_big(limit)
        data += decompressor.flush()
    except zlib.error as error:
        raise ParseError(f"Request body is not valid gzip: {error}") from None
    if len(data) > limit:
        raise _too_big(limit)
    return data


def media_type(request) -> str:
    return request._request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
