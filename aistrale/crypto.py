"""Encryption at rest for secrets (webhook secrets, provider keys): Fernet tokens, rotatable.

Keys come from settings.AISTRALE_ENCRYPTION_KEYS (the AISTRALE_ENCRYPTION_KEYS environment variable):
comma-separated Fernet keys (`Fernet.generate_key()`), the first one encrypts, every one decrypts. To rotate,
put a new key first, keep the old ones after it, run `manage.py rotate_encryption_keys`, then drop the old
keys. With no key configured, one key is derived from SECRET_KEY (HKDF-SHA256), so changing SECRET_KEY then
makes the stored secrets unreadable: production deployments should configure their own keys.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast

DERIVATION_INFO = b"aistrale encryption key v1"


class DecryptionError(ValueError):
    """A stored value that none of the configured keys can decrypt."""


def derive_key(secret: str) -> bytes:
    """The Fernet key derived from a secret string (SECRET_KEY when no key is configured)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"AISTRALE_ENCRYPTION_KEYS entry {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from error
    return MultiFernet(fernets)


def configured_keys() -> tuple[str, ...]:
    keys = tuple(settings.AISTRALE_ENCRYPTION_KEYS)
    return keys or (derive_key(settings.SECRET_KEY).decode(),)


def _fernet() -> MultiFernet:
    return _multi_fernet(configured_keys())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "cannot decrypt a stored secret: it was encrypted with a key that is not in AISTRALE_ENCRYPTION_KEYS"
        ) from error


def rotate(token: str) -> str:
    """The same secret re-encrypted with the current (first) key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "cannot rotate a stored secret: it was encrypted with a key that is not in AISTRALE_ENCRYPTION_KEYS"
        ) from error


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token and read back as plain text. Not searchable: only `isnull` lookups work."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) of the installed apps that is an EncryptedTextField."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_field(model: type[models.Model], field_name: str) -> int:
    """Re-encrypt one column with the current key, token by token, without reading the secrets; returns rows."""
    raw = Cast(field_name, output_field=models.TextField())
    rotated = 0
    with transaction.atomic():
        rows = (
            model._default_manager.select_for_update().annotate(_token=raw).exclude(**{f"{field_name}__isnull": True})
        )
        for pk, token in rows.values_list("pk", "_token").iterator():
            model._default_manager.filter(pk=pk).update(
                **{field_name: models.Value(rotate(token), output_field=models.TextField())}
            )
            rotated += 1
    return rotated
