"""The signed, expiring tokens of media upload and download URLs (django.core.signing).

An upload token names the media row and the nonce it holds while an upload is pending; the nonce is
cleared when the bytes are stored, so a token works once. A download token names the media row.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.utils import timezone

from aistrale.errors import DomainError

UPLOAD_SALT = "observability.media.upload"
DOWNLOAD_SALT = "observability.media.download"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def upload_token(*, media_key: int, nonce: str) -> str:
    return signing.dumps({"m": media_key, "n": nonce}, salt=UPLOAD_SALT, compress=True)


def download_token(*, media_key: int) -> str:
    return signing.dumps({"m": media_key}, salt=DOWNLOAD_SALT, compress=True)


def download_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.AISTRALE_MEDIA_DOWNLOAD_URL_TTL_SECONDS)


def _read(token: str, *, salt: str, max_age: int, what: str) -> dict:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise DomainError(f"This media {what} URL has expired; request a new one", status=403) from None
    except signing.BadSignature:
        raise DomainError(f"This media {what} URL is not valid", status=403) from None


def upload_token_read(token: str) -> tuple[int, str]:
    """(media key, nonce) of a valid upload token; DomainError 403 when expired or forged."""
    data = _read(token, salt=UPLOAD_SALT, max_age=settings.AISTRALE_MEDIA_UPLOAD_URL_TTL_SECONDS, what="upload")
    return data["m"], data["n"]


def download_token_read(token: str) -> int:
    """The media key of a valid download token; DomainError 403 when expired or forged."""
    data = _read(token, salt=DOWNLOAD_SALT, max_age=settings.AISTRALE_MEDIA_DOWNLOAD_URL_TTL_SECONDS, what="download")
    return data["m"]
