"""Uploaded import files kept between the preview and the import: a temporary file named by a signed token.

The token names only a file this server wrote (it is signed), so a form cannot point the import at another
path. The import deletes the file; abandoned previews are left to the system's temporary-directory cleanup.
"""

import os
import tempfile
import uuid
from pathlib import Path

from django.core import signing

SALT = "datasets.imports.upload"
MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "aistrale-imports"
    folder.mkdir(exist_ok=True)
    return folder


def upload_store(uploaded) -> str:
    """Copy an uploaded file (chunk by chunk) to a temporary file; the token that names it."""
    name = f"{uuid.uuid4().hex}.upload"
    with open(_folder() / name, "wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    return signing.dumps({"file": name, "name": uploaded.name}, salt=SALT)


def upload_read(token: str) -> tuple[Path, str]:
    """(path, original file name) of a stored upload; ValueError when the token is not valid or has expired."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise ValueError("the uploaded file has expired; upload it again") from None
    path = _folder() / value["file"]
    if not path.exists():
        raise ValueError("the uploaded file is gone (already imported?); upload it again")
    return path, value["name"]


def upload_discard(path: Path) -> None:
    if path.exists():
        os.remove(path)
