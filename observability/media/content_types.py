"""The MIME types a media upload may announce (the Langfuse MediaContentType list) and how a page shows each."""

import mimetypes

CONTENT_TYPES = (
    *("image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif", "image/svg+xml", "image/tiff"),
    *("image/bmp", "image/avif", "image/heic"),
    *("audio/mpeg", "audio/mp3", "audio/wav", "audio/ogg", "audio/oga", "audio/aac", "audio/mp4", "audio/flac"),
    *("audio/opus", "audio/webm"),
    *("video/mp4", "video/webm", "video/ogg", "video/mpeg", "video/quicktime", "video/x-msvideo"),
    "video/x-matroska",
    *("text/plain", "text/html", "text/css", "text/csv", "text/markdown", "text/x-python"),
    *("application/javascript", "text/x-typescript", "application/x-yaml", "application/pdf"),
    *("application/msword", "application/vnd.ms-excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    *("application/zip", "application/json", "application/xml", "application/octet-stream"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    *("application/rtf", "application/x-ndjson"),
)

# SVG can carry scripts: it is offered as a file, never shown inline.
NOT_INLINE = {"image/svg+xml"}


def media_kind(content_type: str) -> str:
    """image, audio, video, pdf or file: how a page shows media of this type."""
    if content_type in NOT_INLINE:
        return "file"
    if content_type == "application/pdf":
        return "pdf"
    head = content_type.split("/", 1)[0]
    return head if head in ("image", "audio", "video") else "file"


def shown_inline(content_type: str) -> bool:
    """Whether a download may display in the browser; every other type downloads as an attachment."""
    return media_kind(content_type) != "file"


def file_extension(content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return extension.lstrip(".")
