"""Where media bytes live: Django's storage under the "media" alias (filesystem by default, S3 when configured)."""

import hashlib
import tempfile

from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction

from observability.media.content_types import file_extension

CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 1024 * 1024


def media_storage():
    return storages["media"]


def storage_name(*, project_id: str, media_id: str, content_type: str) -> str:
    return f"media/{project_id}/{media_id}.{file_extension(content_type)}"


class Received:
    """A request body read once in chunks into a spooled temporary file, hashed and counted on the way."""

    def __init__(self, stream, *, limit: int):
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by close())
        self.size = 0
        self.over_limit = False
        digest = hashlib.sha256()
        while chunk := stream.read(CHUNK_BYTES):
            self.size += len(chunk)
            if self.size > limit:
                self.over_limit = True
                break
            digest.update(chunk)
            self.file.write(chunk)
        self.sha256 = digest.digest()
        self.file.seek(0)

    def close(self):
        self.file.close()


def media_file_save(*, name: str, received: Received) -> str:
    """Store the received bytes under name (replacing a stale file there); the name the storage used."""
    storage = media_storage()
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, File(received.file, name=name))


def media_file_delete_on_commit(name: str) -> None:
    """Remove a stored file once the transaction that dropped its row commits."""
    if name:
        transaction.on_commit(lambda: media_storage().delete(name))
